"""Enumeration protection (SPEC 6): an unknown identifier costs the same time as a wrong
password, and in strict mode gets the same answer."""

from __future__ import annotations

import re
import statistics
import time

import pytest

from authflows import settings as project_settings
from tests.conftest import error_codes, sign_in

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-at-all"


@pytest.fixture
def real_argon2(settings):  # type: ignore[no-untyped-def]
    """The Argon2 parameters the site really runs with, not the cheap test ones."""
    settings.ARGON2_TIME_COST = project_settings.ARGON2_TIME_COST
    settings.ARGON2_MEMORY_COST = project_settings.ARGON2_MEMORY_COST
    settings.ARGON2_PARALLELISM = project_settings.ARGON2_PARALLELISM


def _timed(client, identifier: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    response = sign_in(client, identifier, WRONG)
    elapsed = time.perf_counter() - start
    assert response.status_code == 400
    return elapsed


def test_unknown_identifier_costs_what_a_wrong_password_costs(
    real_argon2, make_user, instance, client
):
    instance(client_trust=False, lockout_max_attempts=1000)
    make_user(email="ada@example.com")  # hashed with the real parameters
    _timed(client, "warm-up@example.com")
    unknown, wrong = [], []
    for n in range(21):  # interleaved, so drift in machine load hits both alike
        unknown.append(_timed(client, f"ghost{n}@example.com"))
        wrong.append(_timed(client, "ada@example.com"))
    median_unknown, median_wrong = statistics.median(unknown), statistics.median(wrong)
    # The check is meaningful only if hashing dominates the request...
    assert median_wrong > 0.005, median_wrong
    # ...and then the two answers take the same time, give or take a quarter.
    assert abs(median_unknown - median_wrong) < 0.25 * median_wrong, (median_unknown, median_wrong)


def test_dummy_hash_follows_the_configured_parameters(settings):
    from django.contrib.auth.hashers import identify_hasher

    from authflows.factors import password

    password.run_dummy_check("x")
    settings.ARGON2_TIME_COST = 3
    password.run_dummy_check("x")
    hashes = [h for params, h in password._dummy_hashes.items() if params[1] == 3]
    assert hashes
    assert identify_hasher(hashes[0]).decode(hashes[0])["time_cost"] == 3


def _error_markup(response) -> str:  # type: ignore[no-untyped-def]
    return "".join(re.findall(r'<p class="error"[^>]*>[^<]*</p>', response.content.decode()))


@pytest.fixture
def strict(instance):  # type: ignore[no-untyped-def]
    return instance(client_trust=False, enumeration_protection="strict")


def test_strict_mode_one_answer_for_every_kind_of_miss(strict, client, make_user):
    make_user(email="ada@example.com")
    make_user(email="gone@example.com", is_active=False)
    make_user(email="nopass@example.com", password=None)
    responses = [
        sign_in(client, "ghost@example.com", WRONG),
        sign_in(client, "ada@example.com", WRONG),
        sign_in(client, "gone@example.com", WRONG),
        sign_in(client, "nopass@example.com", WRONG),
    ]
    assert {r.status_code for r in responses} == {400}
    assert {tuple(error_codes(r)) for r in responses} == {
        ("form_password_or_identifier_incorrect",)
    }
    assert len({_error_markup(r) for r in responses}) == 1


def test_standard_mode_names_the_field(instance, client, make_user):
    instance(client_trust=False)
    make_user(email="ada@example.com")
    assert error_codes(sign_in(client, "ghost@example.com", WRONG)) == ["form_identifier_not_found"]
    assert error_codes(sign_in(client, "ada@example.com", WRONG)) == ["form_password_incorrect"]


def test_strict_mode_locks_unknown_identifiers_alike(strict, client, make_user):
    """After ten misses a real account answers user_locked; so does an address with no
    account, so the lock does not reveal which addresses exist."""
    make_user(email="ada@example.com")
    answers = {}
    for identifier in ("ada@example.com", "ghost@example.com"):
        for _ in range(10):
            sign_in(client, identifier, WRONG)
        response = sign_in(client, identifier, WRONG)
        answers[identifier] = (response.status_code, error_codes(response), _error_markup(response))
    assert answers["ada@example.com"] == answers["ghost@example.com"]
    assert answers["ghost@example.com"][1] == ["user_locked"]
