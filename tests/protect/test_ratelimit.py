"""Rate limits (SPEC 6): per IP and per identifier or address, in the shared cache, answered
with 429, Retry-After and a page that says when to retry."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from authflows import clock
from authflows.models import AuthEvent
from authflows.protect.ip import client_ip
from authflows.protect.ratelimit import LIMITS
from tests.conftest import error_codes, page_status, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]
WRONG = "not-the-password-at-all"


@pytest.fixture(autouse=True)
def _start_of_a_window() -> None:
    """Move the clock to the start of an hour, so that no window (10 s to 1 h) ends in the
    middle of a test by chance."""
    clock.advance(3600 - clock.now().timestamp() % 3600 + 0.01)


def from_ip(ip: str, **headers: str) -> Client:
    return Client(REMOTE_ADDR=ip, **headers)


def test_sign_in_start_per_ip(user, instance):
    instance(client_trust=False, lockout_enabled=False)
    browser = from_ip("203.0.113.5")
    for _ in range(5):
        assert sign_in(browser, "ada@example.com", WRONG).status_code == 400
    response = sign_in(browser, "ada@example.com")
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 11
    assert page_status(response) == "rate_limited"
    assert error_codes(response) == ["too_many_requests"]
    assert f"Try again in {retry_after} seconds" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    clock.advance(retry_after)
    assert sign_in(browser, "ada@example.com").status_code == 302


def test_other_addresses_are_not_limited(user, instance):
    instance(client_trust=False, lockout_enabled=False)
    for _ in range(6):
        sign_in(from_ip("203.0.113.5"), "ada@example.com", WRONG)
    assert sign_in(from_ip("203.0.113.6"), "ada@example.com").status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies(user, instance):
    """An attacker can't escape the per-IP limit by writing X-Forwarded-For himself."""
    instance(client_trust=False, lockout_enabled=False)
    statuses = [
        sign_in(
            from_ip("203.0.113.5", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"), "x@example.com", WRONG
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_identifier_limit_across_addresses(user, instance):
    """Many addresses, one account: the per-identifier limit (10 a minute) still holds."""
    instance(client_trust=False, lockout_enabled=False)
    limit, _window = LIMITS["identifier_attempt"]
    statuses = [
        sign_in(from_ip(f"198.51.100.{n}"), "ada@example.com", WRONG).status_code
        for n in range(limit + 1)
    ]
    assert statuses == [400] * limit + [429]
    assert sign_in(from_ip("198.51.100.200"), "other@example.com", WRONG).status_code == 400


def test_factor_attempts_per_ip(user, mailoutbox):
    browser = from_ip("203.0.113.9")
    sign_in(browser, "ada@example.com")
    browser.get("/sign-in/client-trust/")
    statuses = [
        browser.post("/sign-in/client-trust/", {"code": "000000", "action": "verify"}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_code_checks_per_identifier_across_addresses(make_user, instance):
    """Wrong codes for one account from many addresses share the per-account failure window;
    right passwords count nothing."""
    instance(lockout_enabled=False, test_mode=True)  # test-mode address: no sends to limit
    make_user(email="ada+clerk_test@example.com")
    statuses = []
    for n in range(11):
        browser = from_ip(f"198.51.100.{n}")
        statuses.append(sign_in(browser, "ada+clerk_test@example.com").status_code)
        browser.get("/sign-in/client-trust/")
        statuses.append(
            browser.post(
                "/sign-in/client-trust/", {"code": "000000", "action": "verify"}
            ).status_code
        )
    # Ten wrong codes from ten addresses fill the window: the next check for the account from
    # a client it doesn't trust is refused (the right passwords before it counted nothing).
    assert statuses == [302, 400] * 10 + [429, 302]  # no attempt: back to /sign-in/


def test_resend_per_ip(user, mailoutbox):
    browser = from_ip("203.0.113.10")
    sign_in(browser, "ada@example.com")
    browser.get("/sign-in/client-trust/")
    statuses = [
        browser.post("/sign-in/client-trust/", {"action": "resend"}).status_code for _ in range(6)
    ]
    # Inside the cool-down each resend is refused with the seconds left; the sixth is 429.
    assert statuses == [400] * 5 + [429]


def test_sends_per_address_per_minute(user, mailoutbox):
    """New browsers keep asking for codes to the same address: 3 a minute, then 429."""
    statuses = []
    for n in range(4):
        browser = from_ip(f"198.51.100.{n}")
        sign_in(browser, "ada@example.com")
        statuses.append(browser.get("/sign-in/client-trust/").status_code)
    assert statuses == [200, 200, 200, 429]
    assert len(mailoutbox) == 3


def test_sends_per_address_per_hour(user, mailoutbox):
    sent = 0
    for n in range(12):
        browser = from_ip(f"198.51.100.{n}")
        sign_in(browser, "ada@example.com")
        if browser.get("/sign-in/client-trust/").status_code == 200:
            sent += 1
        clock.advance(61)
    assert sent == LIMITS["code_send_hourly"][0]
    assert len(mailoutbox) == sent


def test_refused_send_keeps_the_live_code(user, mailoutbox):
    """A send refused by the limit does not replace the code already delivered."""
    first = from_ip("198.51.100.1")
    sign_in(first, "ada@example.com")
    first.get("/sign-in/client-trust/")
    code = mailoutbox[-1].body
    for n in range(2, 5):
        other = from_ip(f"198.51.100.{n}")
        sign_in(other, "ada@example.com")
        other.get("/sign-in/client-trust/")
    from tests.conftest import last_code

    response = first.post("/sign-in/client-trust/", {"code": last_code(code), "action": "verify"})
    assert response.status_code == 302


def test_a_rate_limited_window_writes_one_audit_row(user, instance):
    instance(client_trust=False, lockout_enabled=False)
    browser = from_ip("203.0.113.11")
    for _ in range(9):
        sign_in(browser, "ada@example.com", WRONG)
    rows = AuthEvent.objects.filter(kind=AuthEvent.Kind.RATE_LIMITED)
    assert rows.count() == 1
    assert rows.get().data["scope"] == "sign_in_start"
    assert rows.get().ip == "203.0.113.11"


def test_limits_are_off_without_the_marker_only_in_tests():
    from authflows.protect import ratelimit

    assert ratelimit.enabled is True


# --- where the address comes from -------------------------------------------------------------


def _request(**meta: str):  # type: ignore[no-untyped-def]
    return RequestFactory().get("/", **meta)


def test_remote_addr_by_default():
    request = _request(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "192.0.2.1"


def test_trusted_proxy_count_takes_the_hop_the_proxy_wrote(settings):
    settings.AUTHFLOWS_TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    assert client_ip(request) == "192.0.2.7"  # the client-written 6.6.6.6 is ignored
    settings.AUTHFLOWS_TRUSTED_PROXY_COUNT = 2
    request = _request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7, 10.0.0.1")
    assert client_ip(request) == "192.0.2.7"


def test_trusted_proxy_header(settings):
    settings.AUTHFLOWS_TRUSTED_PROXY_HEADER = "X-Real-IP"
    assert client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="192.0.2.9")) == "192.0.2.9"


def test_garbage_addresses_become_a_non_address(settings):
    settings.AUTHFLOWS_TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")) == (
        "0.0.0.0"
    )


def test_limits_can_be_changed_by_the_operator(user, instance, settings):
    settings.AUTHFLOWS_RATE_LIMITS = "sign_in_start=2/60; nonsense; code_send=x/y"
    instance(client_trust=False, lockout_enabled=False)
    browser = from_ip("203.0.113.12")
    statuses = [sign_in(browser, "ada@example.com", WRONG).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert 1 <= int(sign_in(browser, "ada@example.com").headers["Retry-After"]) <= 61


def test_sends_per_ip_per_hour(make_user, settings, mailoutbox):
    """One address asking for codes to many accounts hits a ceiling on messages sent."""
    settings.AUTHFLOWS_RATE_LIMITS = "code_send_ip_hourly=3/3600"
    for n in range(4):
        make_user(email=f"user{n}@example.com")
    statuses = []
    for n in range(4):
        browser = from_ip("203.0.113.20")
        sign_in(browser, f"user{n}@example.com")
        statuses.append(browser.get("/sign-in/client-trust/").status_code)
        clock.advance(11)  # past the sign-in window
    assert statuses == [200, 200, 200, 429]
    assert len(mailoutbox) == 3
