"""manage.py calibrate_hasher: parameters meeting the target, never below the OWASP minimum."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from authflows.management.commands.calibrate_hasher import Params, measure_ms


def run(*args: str) -> str:
    out = StringIO()
    call_command("calibrate_hasher", *args, stdout=out)
    return out.getvalue()


def test_a_target_below_the_minimum_keeps_the_owasp_minimum():
    report = json.loads(run("--target-ms", "1", "--samples", "1", "--json"))
    assert (report["time_cost"], report["memory_cost"], report["parallelism"]) == (2, 19456, 1)
    assert report["owasp_minimum_met"] is True
    assert report["target_met"] is False
    assert report["new_hash_ms"] > 0


def test_a_larger_target_buys_more_memory_within_the_target():
    # Medians of three and a target four times the minimum's cost: room for a busy machine.
    floor = measure_ms(Params(2, 19456, 1), samples=3)
    target = floor * 4
    report = json.loads(run("--target-ms", f"{target:.1f}", "--samples", "3", "--json"))
    assert report["memory_cost"] > 19456
    assert report["time_cost"] >= 2
    # The command's own measurement of what it chose stays within the target.
    assert report["target_met"] is True and report["measured_ms"] <= target


def test_prints_the_environment_variables_the_settings_read():
    text = run("--target-ms", "1", "--samples", "1")
    assert "# making one new hash (sign-up, password change): " in text
    assert "ARGON2_TIME_COST=2" in text
    assert "ARGON2_MEMORY_COST=19456" in text
    assert "ARGON2_PARALLELISM=1" in text


def test_refuses_a_memory_cap_below_the_minimum():
    with pytest.raises(CommandError):
        run("--target-ms", "10", "--max-memory-mib", "8")


def test_names_the_library_it_measured(settings):
    settings.ARGON2_VERIFIER = "auto"  # both timed; the one the site would keep is named
    report = json.loads(run("--target-ms", "1", "--samples", "1", "--json"))
    assert report["verifier"] in ("libsodium", "argon2-cffi") and report["measured_ms"] > 0
    settings.ARGON2_VERIFIER = "argon2-cffi"
    assert json.loads(run("--target-ms", "1", "--samples", "1", "--json"))["verifier"] == (
        "argon2-cffi"
    )
    settings.ARGON2_VERIFIER = "libsodium"
    assert "through libsodium" in run("--target-ms", "1", "--samples", "1")
    two_lanes = run("--target-ms", "1", "--samples", "1", "--parallelism", "2", "--json")
    assert json.loads(two_lanes)["verifier"] == "argon2-cffi"  # libsodium computes one lane
