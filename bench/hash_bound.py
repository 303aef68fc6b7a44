"""The hashing bound: how many Argon2 verifications per second this machine does with the
site's parameters, one process per core, all at once (so memory bandwidth is shared as it
is under load). A sign-in costs at least one verification, so this is the ceiling on
password sign-ins per second. Prints JSON.

Verifications go through the site's own verifier (authflows.hashers: libsodium or argon2-cffi,
whichever ARGON2_VERIFIER picks; under "auto" each process times both and keeps the cheaper).
Each library is measured the same way beside it, as installed here. With --argon2-cffi-only,
run by another virtualenv's Python (the allauth peer's), only its argon2-cffi is measured:
what a site on Django's own Argon2 hasher, installed from PyPI's wheel, pays per sign-in."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections.abc import Callable

from argon2 import PasswordHasher, Type

PASSWORD = "bench-password"


def _verifier(name: str) -> Callable[[str, str], bool]:
    """The site's own verifier, or one library alone (imported only where asked for, so that
    another virtualenv can run this file without the project)."""
    if name == "site":
        from authflows import hashers

        return hashers.verify
    if name == "libsodium":
        import nacl.pwhash.argon2id

        return lambda encoded, password: nacl.pwhash.argon2id.verify(
            encoded.encode(), password.encode()
        )
    return lambda encoded, password: PasswordHasher().verify(encoded, password)


def _site_library() -> str:
    from authflows import hashers

    return hashers.verifier()


def _verify_for(args: tuple[str, int, int, int, float]) -> tuple[int, float, float]:
    verifier, time_cost, memory_cost, parallelism, seconds = args
    verify = _verifier(verifier)
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )
    encoded = hasher.hash(PASSWORD)
    if not verify(encoded, PASSWORD):  # also warms the allocator
        raise SystemExit(f"{verifier} did not verify {encoded}")
    done, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds and done < 100_000:
        verify(encoded, PASSWORD)
        done += 1
    return done, time.perf_counter() - wall0, time.process_time() - cpu0


def _all_cores(verifier: str, params: tuple[int, int, int], seconds: float) -> dict:
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        results = pool.map(_verify_for, [(verifier, *params, seconds)] * cores)
    verifications = sum(done for done, _, _ in results)
    wall = max(elapsed for _, elapsed, _ in results)
    cpu = sum(spent for _, _, spent in results)
    return {
        "verifications": verifications,
        "bound_flows_per_s": round(verifications / wall, 2),
        "cpu_ms_per_verification": round(cpu / verifications * 1000, 2),
        "wall_ms_per_verification": round(wall * cores / verifications * 1000, 2),
    }


def measure(*, time_cost: int, memory_cost: int, parallelism: int, seconds: float) -> dict:
    """The site's verifier's figures at the top level (the bound), each library's beside."""
    params = (time_cost, memory_cost, parallelism)
    # libsodium computes one lane only; otherwise the site's choice, made here once and kept
    # by every process measuring (they inherit the environment).
    chosen = _site_library() if parallelism == 1 else "argon2-cffi"
    os.environ["ARGON2_VERIFIER"] = chosen
    figures = {
        "cores": os.cpu_count() or 1,
        "argon2": {"time_cost": time_cost, "memory_cost": memory_cost, "parallelism": parallelism},
        "verifier": chosen,
        **_all_cores("site", params, seconds),
        "argon2_cffi": _all_cores("argon2_cffi", params, seconds),
    }
    if parallelism == 1:
        figures["libsodium"] = _all_cores("libsodium", params, seconds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-cost", type=int, required=True)
    parser.add_argument("--memory-cost", type=int, required=True)
    parser.add_argument("--parallelism", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--argon2-cffi-only", action="store_true")
    args = parser.parse_args()
    if args.argon2_cffi_only:
        params = (args.time_cost, args.memory_cost, args.parallelism)
        print(json.dumps(_all_cores("argon2_cffi", params, args.seconds)))
        return
    print(
        json.dumps(
            measure(
                time_cost=args.time_cost,
                memory_cost=args.memory_cost,
                parallelism=args.parallelism,
                seconds=args.seconds,
            )
        )
    )


if __name__ == "__main__":
    main()
