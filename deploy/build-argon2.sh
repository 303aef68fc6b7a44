#!/bin/sh
# Rebuild argon2-cffi's bindings from source with AVX2 when this CPU has it.
#
# argon2-cffi's wheels compute Argon2 with SSE2 only, which every x86-64 CPU has. Built with
# AVX2, the same library verifies the same hashes in well under two thirds of the CPU time
# (README, "Password hashing"). The result only runs on CPUs with AVX2: build it on the host
# that runs the site, or on one with the same CPU features. Without AVX2, a compiler or the
# sdist, the wheel stays and everything works as before.
#
# Usage: deploy/build-argon2.sh [path to the virtualenv's python]
set -u
py=${1:-python3}
if ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    echo "build-argon2: this CPU has no AVX2; argon2-cffi's wheel stays"
    exit 0
fi
version=$("$py" -c 'import importlib.metadata as m; print(m.version("argon2-cffi-bindings"))') || exit 1
if ARGON2_CFFI_USE_SSE2=1 CFLAGS="-O2 -mavx2" "$py" -m pip install --quiet --no-cache-dir \
    --force-reinstall --no-deps --no-binary argon2-cffi-bindings \
    "argon2-cffi-bindings==$version"; then
    echo "build-argon2: argon2-cffi-bindings $version built with AVX2"
else
    echo "build-argon2: could not build argon2-cffi-bindings $version; the wheel stays" >&2
fi
