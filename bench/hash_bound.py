"""The hashing bound: how many Argon2 verifications per second this machine does with the
site's parameters, one process per core, all at once (so memory bandwidth is shared as it
is under load). A sign-in costs at least one verification, so this is the ceiling on
password sign-ins per second. Prints JSON.

Verifications go through the site's own verifier (authflows.hashers: libsodium for Argon2id
with one lane). The same is measured with argon2-cffi, Django's own Argon2 hasher, for
reference: that is what a site on Django's hasher pays per sign-in."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time

from argon2 import PasswordHasher, Type

from authflows import hashers

PASSWORD = "bench-password"
#: Which verifier: the site's own, or argon2-cffi's (Django's Argon2PasswordHasher).
VERIFIERS = {
    "site": hashers.verify,
    "argon2_cffi": lambda encoded, password: PasswordHasher().verify(encoded, password),
}


def _verify_for(args: tuple[str, int, int, int, float]) -> tuple[int, float, float]:
    verifier, time_cost, memory_cost, parallelism, seconds = args
    verify = VERIFIERS[verifier]
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
    """The site's verifier's figures at the top level (the bound), argon2-cffi's beside."""
    params = (time_cost, memory_cost, parallelism)
    return {
        "cores": os.cpu_count() or 1,
        "argon2": {"time_cost": time_cost, "memory_cost": memory_cost, "parallelism": parallelism},
        "verifier": "authflows.hashers.verify (libsodium for Argon2id with one lane)",
        **_all_cores("site", params, seconds),
        "argon2_cffi": _all_cores("argon2_cffi", params, seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-cost", type=int, required=True)
    parser.add_argument("--memory-cost", type=int, required=True)
    parser.add_argument("--parallelism", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
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
