"""Find Argon2id parameters that cost about --target-ms on this machine.

Like Ory Kratos' `hashers argon2 calibrate`: start at the OWASP password-storage minimum
(m=19 MiB, t=2, p=1), spend the budget on memory first (memory hardness is what slows
GPU and ASIC guessing), then on iterations, and never go below the minimum. The result is
printed as the ARGON2_* environment variables the settings read.
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from argon2 import PasswordHasher, Type
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from authflows import hashers

OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2
MEMORY_STEP_KIB = 1024


@dataclass(frozen=True)
class Params:
    time_cost: int
    memory_cost: int  # KiB
    parallelism: int

    def meets_owasp_minimum(self) -> bool:
        return self.memory_cost >= OWASP_MIN_MEMORY_KIB and self.time_cost >= OWASP_MIN_TIME_COST


def _hasher(params: Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        type=Type.ID,
    )


#: The library each measured set of parameters was verified with (under ARGON2_VERIFIER=auto,
#: the one the site would keep for them).
verified_with: dict[Params, str] = {}


def _libraries(params: Params) -> list[str]:
    """The libraries to time: the pinned one, or under "auto" both (libsodium computes one
    lane only)."""
    if params.parallelism != 1:
        return ["argon2-cffi"]
    wanted = getattr(settings, "ARGON2_VERIFIER", "auto")
    return [wanted] if wanted in hashers.VERIFIERS else list(hashers.VERIFIERS)


def measure_ms(params: Params, *, samples: int) -> float:
    """Median wall time of one verification (what a sign-in pays) with these parameters,
    through the library the site would verify them with: under ARGON2_VERIFIER=auto both are
    timed, and the one authflows.hashers.cheaper keeps counts."""
    password = secrets.token_urlsafe(16).encode()
    encoded = _hasher(params).hash(password).encode()
    medians = {}
    for name in _libraries(params):
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            matched = hashers.VERIFIERS[name](encoded, password)
            timings.append((time.perf_counter() - started) * 1000)
            if not matched:
                raise CommandError(f"a hash made with {params} did not verify through {name}")
        medians[name] = statistics.median(timings)
    name = hashers.cheaper(medians) if len(medians) > 1 else next(iter(medians))
    verified_with[params] = name
    return medians[name]


def measure_hash_ms(params: Params, *, samples: int) -> float:
    """Median wall time of making one hash (sign-up, a password change, a re-hash): argon2-cffi
    makes them, whichever library verifies."""
    hasher = _hasher(params)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        hasher.hash(secrets.token_urlsafe(16))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def calibrate(
    *, target_ms: float, parallelism: int, max_memory_kib: int, samples: int
) -> tuple[Params, float]:
    """The costliest parameters whose verification stays within target_ms, and their cost.
    Returns the OWASP minimum (and its cost) when even that exceeds the target."""
    best = Params(OWASP_MIN_TIME_COST, OWASP_MIN_MEMORY_KIB, parallelism)
    best_ms = measure_ms(best, samples=samples)
    if best_ms >= target_ms:
        return best, best_ms
    best, best_ms = _grow_memory(best, best_ms, target_ms, max_memory_kib, samples)
    return _grow_iterations(best, best_ms, target_ms, samples)


def _grow_memory(
    best: Params, best_ms: float, target_ms: float, max_memory_kib: int, samples: int
) -> tuple[Params, float]:
    # Cost grows about linearly with memory: jump to the estimate, then back off in steps.
    while best.memory_cost < max_memory_kib:
        estimate = int(best.memory_cost * target_ms / best_ms) // MEMORY_STEP_KIB * MEMORY_STEP_KIB
        memory = min(max_memory_kib, max(estimate, best.memory_cost + MEMORY_STEP_KIB))
        candidate = Params(best.time_cost, memory, best.parallelism)
        candidate_ms = measure_ms(candidate, samples=samples)
        if candidate_ms > target_ms:
            return _back_off_memory(best, best_ms, candidate, target_ms, samples)
        best, best_ms = candidate, candidate_ms
    return best, best_ms


def _back_off_memory(
    best: Params, best_ms: float, over: Params, target_ms: float, samples: int
) -> tuple[Params, float]:
    low, high = best.memory_cost, over.memory_cost
    for _ in range(6):  # bisection in whole MiB: 6 rounds reach 1/64 of the gap
        middle = (low + high) // 2 // MEMORY_STEP_KIB * MEMORY_STEP_KIB
        if middle <= low:
            break
        candidate = Params(best.time_cost, middle, best.parallelism)
        candidate_ms = measure_ms(candidate, samples=samples)
        if candidate_ms > target_ms:
            high = middle
        else:
            low, best, best_ms = middle, candidate, candidate_ms
    return best, best_ms


def _grow_iterations(
    best: Params, best_ms: float, target_ms: float, samples: int
) -> tuple[Params, float]:
    for _ in range(64):  # bounded: each round adds one pass over the memory
        candidate = Params(best.time_cost + 1, best.memory_cost, best.parallelism)
        candidate_ms = measure_ms(candidate, samples=samples)
        if candidate_ms > target_ms:
            break
        best, best_ms = candidate, candidate_ms
    return best, best_ms


class Command(BaseCommand):
    help = (
        "Measure this machine and print Argon2id parameters (ARGON2_TIME_COST, "
        "ARGON2_MEMORY_COST, ARGON2_PARALLELISM) whose verification takes about --target-ms, "
        "never below the OWASP minimum (m=19 MiB, t=2, p=1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--target-ms", type=float, default=250.0)
        parser.add_argument("--parallelism", type=int, default=1)
        parser.add_argument("--max-memory-mib", type=int, default=1024)
        parser.add_argument("--samples", type=int, default=3)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        target_ms = float(options["target_ms"])
        parallelism = int(options["parallelism"])
        max_memory_kib = int(options["max_memory_mib"]) * 1024
        samples = int(options["samples"])
        if target_ms <= 0 or parallelism < 1 or samples < 1:
            raise CommandError("--target-ms, --parallelism and --samples must be positive.")
        if max_memory_kib < OWASP_MIN_MEMORY_KIB:
            raise CommandError("--max-memory-mib must be at least 19 (the OWASP minimum).")
        params, cost_ms = calibrate(
            target_ms=target_ms,
            parallelism=parallelism,
            max_memory_kib=max_memory_kib,
            samples=samples,
        )
        hash_ms = measure_hash_ms(params, samples=samples)
        self._print(params, (cost_ms, hash_ms), target_ms, as_json=bool(options["json"]))

    def _print(
        self, params: Params, costs: tuple[float, float], target_ms: float, *, as_json: bool
    ) -> None:
        cost_ms, hash_ms = costs
        met = cost_ms <= target_ms
        if as_json:
            report = {**asdict(params), "measured_ms": round(cost_ms, 2), "target_ms": target_ms}
            report |= {"target_met": met, "owasp_minimum_met": params.meets_owasp_minimum()}
            report["new_hash_ms"] = round(hash_ms, 2)
            report["verifier"] = verified_with[params]
            self.stdout.write(json.dumps(report))
            return
        self.stdout.write(f"ARGON2_TIME_COST={params.time_cost}")
        self.stdout.write(f"ARGON2_MEMORY_COST={params.memory_cost}")
        self.stdout.write(f"ARGON2_PARALLELISM={params.parallelism}")
        self.stdout.write(
            f"# one verification: {cost_ms:.1f} ms on this machine (target {target_ms:g} ms), "
            f"through {verified_with[params]}"
        )
        self.stdout.write(f"# making one new hash (sign-up, password change): {hash_ms:.1f} ms")
        self.stdout.write("# meets the OWASP minimum (m>=19 MiB, t>=2, p=1)")
        if not met:
            self.stdout.write(
                "# the target is below the cost of the OWASP minimum on this machine: "
                "keeping the minimum"
            )
