"""Password hashes: libsodium or argon2-cffi (ARGON2_VERIFIER; under "auto" the cheaper on
this host) verifies what both can compute (Argon2id, version 19, one lane), argon2-cffi the
rest, and both give the same verdict on every hash a site may hold."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import argon2
import nacl.pwhash.argon2id
import pytest
from argon2.low_level import Type, hash_secret
from django.conf import settings as project_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from authflows import hashers
from tests.conftest import PASSWORD, sign_in

SALT = b"a-salt-of-22-bytes-xyz"  # Django's salts are 22 characters
PASSWORDS = ["correct horse battery staple", "", "päßwörd ✓ 密码", "nul\x00inside", "x" * 4096]


def encoded(
    password: str,
    *,
    time_cost: int = 1,
    memory_cost: int = 64,
    parallelism: int = 1,
    kind: Type = Type.ID,
    version: int = 19,
) -> str:
    return hash_secret(
        password.encode(),
        SALT,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=32,
        type=kind,
        version=version,
    ).decode()


def reference(hash_: str, password: str) -> bool:
    """argon2-cffi's verdict, as Django's own Argon2 hasher gives it."""
    try:
        return argon2.PasswordHasher().verify(hash_, password)
    except argon2.exceptions.VerificationError:
        return False


@pytest.fixture
def handed_to_libsodium(monkeypatch) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The hashes handed to libsodium (each is still verified by libsodium itself)."""
    calls: list[bytes] = []
    real = nacl.pwhash.argon2id.verify

    def recorded(hash_: bytes, password: bytes) -> bool:
        calls.append(hash_)
        return real(hash_, password)

    monkeypatch.setattr(nacl.pwhash.argon2id, "verify", recorded)
    return calls


@pytest.fixture
def sodium_calls(handed_to_libsodium, settings) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The same, with libsodium chosen for what both libraries compute."""
    settings.ARGON2_VERIFIER = "libsodium"
    return handed_to_libsodium


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(("time_cost", "memory_cost"), [(1, 64), (2, 1024), (3, 256)])
def test_libsodium_agrees_with_argon2_cffi(password, time_cost, memory_cost, sodium_calls):
    hash_ = encoded(password, time_cost=time_cost, memory_cost=memory_cost)
    assert hashers.sodium_verifies(hash_)
    assert hashers.verify(hash_, password) is True is reference(hash_, password)
    for wrong in (password + "x", password[:-1], password.upper() + "!"):
        if wrong != password:
            assert hashers.verify(hash_, wrong) is False is reference(hash_, wrong)
    assert len(sodium_calls) >= 2  # libsodium answered both verdicts


@pytest.mark.parametrize(
    "options",
    [
        {"parallelism": 2},
        {"parallelism": 4, "memory_cost": 256},
        {"kind": Type.I},
        {"kind": Type.D},
        {"version": 16},
    ],
    ids=["two-lanes", "four-lanes", "argon2i", "argon2d", "version-16"],
)
def test_hashes_libsodium_cannot_compute_are_verified_by_argon2_cffi(options, sodium_calls):
    hash_ = encoded(PASSWORDS[2], **options)
    assert not hashers.sodium_verifies(hash_)
    assert hashers.verify(hash_, PASSWORDS[2]) is True
    assert hashers.verify(hash_, PASSWORDS[0]) is False
    assert sodium_calls == []


def test_a_hash_longer_than_libsodium_reads_goes_to_argon2_cffi(sodium_calls):
    long_salt = hash_secret(
        b"pw", b"s" * 64, time_cost=1, memory_cost=64, parallelism=1, hash_len=64, type=Type.ID
    ).decode()
    assert len(long_salt) > hashers.SODIUM_MAX_ENCODED
    assert hashers.verify(long_salt, "pw") is True and hashers.verify(long_salt, "p") is False
    assert sodium_calls == []


@pytest.mark.parametrize(
    "broken",
    [
        "$argon2id$v=19$m=64,t=1,p=1$AAAA$BBBB",
        "$argon2id$v=19$m=64,t=1,p=1$",
        "$argon2id$v=19$m=64,t=1,p=1",
        "$argon2id$v=19$garbage",
        "$argon2id$v=19$m=1,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2x$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$c8OkbHQ$aGFzaGhhc2hoYXNoaGFzaMOp",
        "$argon2id$v=19$m=64,t=1,p=1$säls$hé",
    ],
)
def test_a_damaged_hash_is_a_mismatch_not_an_error(broken):
    assert hashers.verify(broken, PASSWORDS[0]) is False


def _unusual(hash_: str) -> dict[str, str]:
    """Variations of a valid encoded hash that either library might read differently."""
    head, params, salt, tag = "$argon2id$v=19$", "m=64,t=1,p=1", *hash_.rsplit("$", 2)[1:]
    build = lambda p=params, s=salt, t=tag, h=head: f"{h}{p}${s}${t}"  # noqa: E731
    return {
        "t,m,p order": build("t=1,m=64,p=1"),
        "p,m,t order": build("p=1,m=64,t=1"),
        "keyid after": build(params + ",keyid=abcd"),
        "data after": build(params + ",data=abcd"),
        "p twice": build(params + ",p=1"),
        "space in params": build("m=64, t=1, p=1"),
        "trailing newline": build() + "\n",
        "leading space": " " + build(),
        "upper-case variant": build(h="$ARGON2ID$v=19$"),
        "leading zero": build("m=064,t=1,p=1"),
        "padded tag": build(t=tag + "="),
        "url-safe salt": build(s=salt.replace("+", "-").replace("/", "_")),
        "empty salt": build(s=""),
        "short tag": build(t=tag[:11]),
        "m=7": build("m=7,t=1,p=1"),
        "t=0": build("m=64,t=0,p=1"),
        "p=0": build("m=64,t=1,p=0"),
        "huge m": build("m=4294967296,t=1,p=1"),
        "extra field": build() + "$AAAA",
        "non-ascii salt": build(s="sält" + salt[4:]),
        "non-ascii tag": build(t=tag[:-1] + "é"),
    }


@pytest.mark.parametrize("name", sorted(_unusual(encoded("pw"))))
def test_unusual_hash_strings_get_argon2_cffis_verdict_or_a_mismatch(name):
    """Where argon2-cffi answers, the site answers the same; where it raises (a string it
    cannot read), the site answers a mismatch, never an error."""
    hash_ = _unusual(encoded("pw"))[name]
    for password in ("pw", "wrong"):
        try:
            expected = reference(hash_, password)
        except (argon2.exceptions.InvalidHashError, ValueError):
            expected = False
        assert hashers.verify(hash_, password) is expected, (name, password)


def test_a_password_no_hash_can_be_made_from_is_a_mismatch():
    """A lone surrogate (JSON can carry one) cannot be UTF-8 encoded: a mismatch, not a 500."""
    assert hashers.verify(encoded("pw"), "pw\ud800") is False
    assert hashers.verify(encoded("pw", parallelism=2), "\ud800") is False


@pytest.mark.django_db
def test_the_site_hashes_and_checks_through_its_own_hasher(sodium_calls):
    hash_ = make_password(PASSWORDS[2])
    assert isinstance(identify_hasher(hash_), hashers.ConfiguredArgon2PasswordHasher)
    assert check_password(PASSWORDS[2], hash_) and not check_password(PASSWORDS[0], hash_)
    assert [call.decode() for call in sodium_calls] == [hash_.removeprefix("argon2")] * 2


@pytest.mark.django_db
def test_a_hash_with_djangos_default_parameters_signs_in_and_is_rehashed(
    make_user, instance, client
):
    """Django's own Argon2 default (p=8) is verified by argon2-cffi, then replaced by a hash
    with the site's parameters, which libsodium verifies from then on."""
    instance(client_trust=False)
    user = make_user(email="ada@example.com")
    user.password = "argon2" + encoded(PASSWORD, parallelism=8, memory_cost=512)
    user.save(update_fields=["password"])
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 302
    user.refresh_from_db()
    params = argon2.extract_parameters(user.password.removeprefix("argon2"))
    assert params.parallelism == 1 and hashers.sodium_verifies(user.password[len("argon2") :])


@pytest.mark.parametrize("password", PASSWORDS[:3])
def test_argon2_cffi_chosen_verifies_what_libsodium_could(password, settings, handed_to_libsodium):
    calls = handed_to_libsodium
    settings.ARGON2_VERIFIER = "argon2-cffi"
    hash_ = encoded(password, time_cost=2, memory_cost=256)
    assert hashers.sodium_verifies(hash_)
    assert hashers.verify(hash_, password) is True is reference(hash_, password)
    assert hashers.verify(hash_, password + "x") is False
    assert calls == []


@pytest.fixture
def measured(monkeypatch):  # type: ignore[no-untyped-def]
    """A process that has measured nothing yet; the measurements "auto" takes."""
    monkeypatch.setattr(hashers, "_measured", {})
    return hashers._measured


def test_auto_times_both_verifiers_once_and_keeps_what_cheaper_picks(settings, measured, caplog):
    settings.ARGON2_VERIFIER = "auto"
    settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST = 1, 1024
    with caplog.at_level(logging.INFO, logger="authflows.hashers"):
        chosen = hashers.verifier()
    costs = measured[(1, 1024)]
    assert set(costs) == {"libsodium", "argon2-cffi"} and all(c > 0 for c in costs.values())
    assert chosen == hashers.cheaper(costs)
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"password verifier: {chosen} (one verification: libsodium ")
    hash_ = encoded(PASSWORDS[0], time_cost=1, memory_cost=1024)
    assert hashers.verify(hash_, PASSWORDS[0]) and not hashers.verify(hash_, PASSWORDS[1])
    assert hashers.verifier() == chosen and measured[(1, 1024)] is costs  # not timed again
    settings.ARGON2_MEMORY_COST = 2048  # other parameters: timed again, for them
    hashers.verifier()
    assert set(measured) == {(1, 1024), (1, 2048)}


@pytest.mark.parametrize(
    ("sodium_ms", "cffi_ms", "expected"),
    [(10.0, 20.0, "libsodium"), (19.0, 20.0, "argon2-cffi"), (30.0, 20.0, "argon2-cffi")],
    ids=["libsodium-clearly-cheaper", "within-the-margin", "argon2-cffi-cheaper"],
)
def test_the_measured_costs_decide_which_library_verifies(  # type: ignore[no-untyped-def]
    sodium_ms, cffi_ms, expected, settings, measured, monkeypatch, handed_to_libsodium
):
    """The timings are set here (the real timing is the test above), so that each side of
    the decision is taken; the verification itself goes through the library chosen."""
    times = {"libsodium": sodium_ms / 1000, "argon2-cffi": cffi_ms / 1000}
    monkeypatch.setattr(hashers, "measure", lambda t, m: times)
    calls = handed_to_libsodium
    settings.ARGON2_VERIFIER = "auto"
    hash_ = encoded(PASSWORDS[0])
    assert hashers.verify(hash_, PASSWORDS[0]) and not hashers.verify(hash_, PASSWORDS[1])
    assert hashers.verifier() == expected
    assert len(calls) == (2 if expected == "libsodium" else 0)


def test_a_timing_that_fails_leaves_argon2_cffi_verifying(settings, measured, monkeypatch, caplog):
    """A library that fails while timed (libsodium out of memory, say) is not chosen, the
    failure is logged once, and sign-ins go on."""
    tries = []

    def failing(time_cost: int, memory_cost: int) -> dict[str, float]:
        tries.append((time_cost, memory_cost))
        raise MemoryError

    monkeypatch.setattr(hashers, "measure", failing)
    settings.ARGON2_VERIFIER = "auto"
    with caplog.at_level(logging.INFO, logger="authflows.hashers"):
        assert hashers.verify(encoded(PASSWORDS[0]), PASSWORDS[0]) is True
        assert hashers.verify(encoded(PASSWORDS[0]), PASSWORDS[1]) is False
    assert hashers.verifier() == "argon2-cffi" and len(tries) == 1
    [record] = caplog.records
    assert record.levelno == logging.ERROR and "timing failed" in record.getMessage()


def test_a_pinned_verifier_times_nothing(settings, measured):
    for name in ("libsodium", "argon2-cffi"):
        settings.ARGON2_VERIFIER = name
        assert hashers.verifier() == name
    assert measured == {}


def test_an_unknown_verifier_is_a_configuration_error(settings):
    settings.ARGON2_VERIFIER = "fastest"
    with pytest.raises(ImproperlyConfigured, match="ARGON2_VERIFIER must be"):
        hashers.verify(encoded(PASSWORDS[0]), PASSWORDS[0])
    # `manage.py check` names it first, for a project that sets it without our settings
    assert [m.id for m in run_checks() if m.id.startswith("authflows.E")] == ["authflows.E001"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "authflows.settings"}
    env["ARGON2_VERIFIER"] = "fastest"
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env,
        cwd=project_settings.BASE_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert started.returncode != 0
    assert "ARGON2_VERIFIER must be auto, libsodium or argon2-cffi" in started.stderr
