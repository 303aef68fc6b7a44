"""The hashing bound: how many Argon2 verifications per second this machine does with the
site's parameters, one process per core, all at once (so memory bandwidth is shared as it
is under load). A sign-in costs at least one verification, so this is the ceiling on
password sign-ins per second. Prints JSON."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time

from argon2 import PasswordHasher, Type


def _verify_for(args: tuple[int, int, int, float]) -> tuple[int, float, float]:
    time_cost, memory_cost, parallelism, seconds = args
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )
    encoded = hasher.hash("bench-password")
    hasher.verify(encoded, "bench-password")  # warm the allocator
    done, cpu0, wall0 = 0, time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds and done < 100_000:
        hasher.verify(encoded, "bench-password")
        done += 1
    return done, time.perf_counter() - wall0, time.process_time() - cpu0


def measure(*, time_cost: int, memory_cost: int, parallelism: int, seconds: float) -> dict:
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        results = pool.map(_verify_for, [(time_cost, memory_cost, parallelism, seconds)] * cores)
    verifications = sum(done for done, _, _ in results)
    wall = max(elapsed for _, elapsed, _ in results)
    cpu = sum(spent for _, _, spent in results)
    return {
        "cores": cores,
        "argon2": {"time_cost": time_cost, "memory_cost": memory_cost, "parallelism": parallelism},
        "verifications": verifications,
        "bound_flows_per_s": round(verifications / wall, 2),
        "cpu_ms_per_verification": round(cpu / verifications * 1000, 2),
        "wall_ms_per_verification": round(wall * cores / verifications * 1000, 2),
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
