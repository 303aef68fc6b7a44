#!/bin/sh
# Rebuild argon2-cffi's bindings from source with AVX2 when this CPU has it.
#
# argon2-cffi's wheels compute Argon2 with SSE2 only, which every x86-64 CPU has. Built with
# AVX2, the same library verifies the same hashes in well under two thirds of the CPU time
# (README, "Password hashing"). The result only runs on CPUs with AVX2: build it on the host
# that runs the site, or on one with the same CPU features (deploy/gunicorn.conf.py refuses to
# start where it cannot run). Without AVX2, a compiler or the source package, or when the build
# fails its check (a known hash, verified), the wheel stays.
#
# Usage: deploy/build-argon2.sh [path to the virtualenv's python]
set -u
py=${1:-python3}
if ! grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    echo "build-argon2: this CPU has no AVX2; argon2-cffi's wheel stays"
    exit 0
fi
version=$("$py" -c 'import importlib.metadata as m; print(m.version("argon2-cffi-bindings"))') || exit 1
pip_install() {
    "$py" -m pip install --quiet --no-cache-dir --force-reinstall --no-deps "$@" \
        "argon2-cffi-bindings==$version"
}
# The check: a hash the new build makes is verified by libsodium, an independent
# implementation, and by the build itself.
check='import argon2, nacl.pwhash.argon2id as sodium
h = argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash("known")
assert sodium.verify(h.encode(), b"known") and argon2.PasswordHasher().verify(h, "known")'
if ARGON2_CFFI_USE_SSE2=1 CFLAGS="-O2 -mavx2" pip_install --no-binary argon2-cffi-bindings; then
    if "$py" -c "$check" 2>/dev/null; then
        echo "build-argon2: argon2-cffi-bindings $version built with AVX2"
        exit 0
    fi
    echo "build-argon2: the AVX2 build failed its check; reinstalling the wheel" >&2
    pip_install --only-binary :all: || exit 1
else
    echo "build-argon2: could not build argon2-cffi-bindings $version; the wheel stays" >&2
fi
