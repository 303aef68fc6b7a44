"""SPEC section 3, every row: client trust on/off x MFA yes/no x trusted/new client x email
enabled (code or link verification) / disabled x user with email, phone, both or neither.

Each row signs in with a password (the username, which every user has) and checks the status,
the strategy offered, and that the step completes and leaves the client trusted."""

from __future__ import annotations

import base64
import itertools

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import AuthEvent, SignInAttempt, TrustedClient
from authflows.models import Client as ClientRow
from tests.conftest import last_code, open_link, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, adopt_client, client_id_of, link_path

pytestmark = pytest.mark.django_db

PHONE = "+14155552671"
EMAIL_MODES = {
    "email code": {"email_verification": "code"},
    "email link": {"email_verification": "link"},
    "email disabled": {
        "email_sign_up": False,
        "email_sign_in": False,
        "email_required": False,
        "phone_sign_up": True,
        "phone_sign_in": True,
    },
}
USERS = {
    "email": {"email": "ada@example.com"},
    "phone": {"email": None, "phone": PHONE},
    "email and phone": {"email": "ada@example.com", "phone": PHONE},
    "neither": {"email": None},
}
ROWS = list(itertools.product([True, False], [True, False], [True, False], EMAIL_MODES, USERS))


def expected_strategy(trust_on: bool, mfa: bool, trusted: bool, mode: str, who: str) -> str | None:
    """The decision, written out from SPEC section 3 (None: the sign-in completes at once)."""
    if mfa:
        return "totp"
    if not trust_on or trusted:
        return None
    has_email, has_phone = "email" in who, "phone" in who
    if mode != "email disabled" and has_email:
        return "email_link" if mode == "email link" else "email_code"
    return "phone_code" if has_phone else None


def row_id(row: tuple) -> str:  # type: ignore[type-arg]
    trust_on, mfa, trusted, mode, who = row
    return "-".join(
        [
            "trust on" if trust_on else "trust off",
            "mfa" if mfa else "no mfa",
            "trusted client" if trusted else "new client",
            mode,
            f"user with {who}",
        ]
    )


def finish_step(browser: Client, strategy: str, user, mailoutbox, sms_outbox):  # type: ignore[no-untyped-def]
    """Do what the person does on the page the strategy shows; return the final response."""
    if strategy == "totp":
        device = TOTPDevice.objects.get(user=user)
        code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(clock.now())
        return browser.post("/sign-in/factor-two/", {"code": code, "strategy": "totp"})
    page = browser.get(CLIENT_TRUST_URL)
    assert page.status_code == 200
    assert page_status(page) == "needs_client_trust"
    if strategy == "email_link":
        assert mailoutbox[-1].to == [user.email]
        return open_link(browser, link_path(mailoutbox[-1].body))
    if strategy == "phone_code":
        assert not mailoutbox
        assert sms_outbox[-1].to == PHONE
        return browser.post(CLIENT_TRUST_URL, {"code": last_code(sms_outbox[-1].body)})
    assert mailoutbox[-1].to == [user.email]
    return browser.post(CLIENT_TRUST_URL, {"code": last_code(mailoutbox[-1].body)})


@pytest.mark.parametrize("row", ROWS, ids=[row_id(r) for r in ROWS])
def test_decision_table(row, instance, make_user, client, mailoutbox, sms_outbox):
    trust_on, mfa, trusted, mode, who = row
    instance(client_trust=trust_on, username_sign_in=True, test_mode=False, **EMAIL_MODES[mode])
    user = make_user(username="ada_l", **USERS[who])
    if mfa:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    if trusted:
        known = ClientRow.objects.create()
        TrustedClient.objects.create(client=known, user=user)
        adopt_client(client, known.pk)
    strategy = expected_strategy(trust_on, mfa, trusted, mode, who)

    response = sign_in(client, "ada_l")

    assert response.status_code == 302
    if strategy is None:
        assert response["Location"] == "/"
        assert int(client.session["_auth_user_id"]) == user.pk
        assert not mailoutbox and not sms_outbox
        skipped = AuthEvent.objects.filter(kind=AuthEvent.Kind.TRUST_SKIPPED, user=user).exists()
        assert skipped == (trust_on and not trusted and not mfa)
        return
    attempt = SignInAttempt.objects.get(user=user)
    assert attempt.supported_second_factors[0] == strategy
    if strategy == "totp":
        assert response["Location"] == "/sign-in/factor-two/"
        assert (attempt.status, attempt.reason) == ("needs_second_factor", "mfa")
    else:
        assert response["Location"] == CLIENT_TRUST_URL
        assert attempt.supported_second_factors == [strategy]
        assert (attempt.status, attempt.reason) == (
            "needs_client_trust",
            "client_trust",
        )
    assert "_auth_user_id" not in client.session

    done = finish_step(client, strategy, user, mailoutbox, sms_outbox)

    assert done.status_code == 302
    assert done["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert list(TrustedClient.objects.filter(user=user).values_list("client_id", flat=True)) == [
        client_id_of(client)
    ]
    granted = AuthEvent.objects.filter(kind=AuthEvent.Kind.TRUST_GRANTED, user=user).count()
    assert granted == (0 if trusted else 1)


def test_legacy_status_reports_needs_second_factor_on_the_client_trust_page(
    instance, user, client, mailoutbox
):
    instance(client_trust_legacy_status=True)
    response = sign_in(client, "ada@example.com")
    assert response["Location"] == CLIENT_TRUST_URL
    attempt = SignInAttempt.objects.get()
    assert (attempt.status, attempt.reason) == ("needs_second_factor", "client_trust")
    page = client.get(CLIENT_TRUST_URL)
    assert page_status(page) == "needs_second_factor"
    assert "Verify your account" in page.content.decode()
    # The MFA page sends it back: this is client trust, not MFA.
    assert client.get("/sign-in/factor-two/")["Location"] == CLIENT_TRUST_URL
    done = client.post(CLIENT_TRUST_URL, {"code": last_code(mailoutbox[-1].body)})
    assert done["Location"] == "/"
    assert TrustedClient.objects.filter(user=user).exists()


def test_completing_mfa_also_trusts_the_client(user, client, instance):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "ada@example.com")
    finish_step(client, "totp", user, [], [])
    assert TrustedClient.objects.filter(user=user, strategy="totp").exists()
    # Without MFA later, this client needs no code.
    TOTPDevice.objects.all().delete()
    client.post("/sign-out/")
    assert sign_in(client, "ada@example.com")["Location"] == "/"


def test_mfa_wins_over_client_trust_even_on_a_new_client(user, client, mailoutbox):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/factor-two/"
    assert client.get(CLIENT_TRUST_URL)["Location"] == "/sign-in/factor-two/"
    assert not mailoutbox


def test_unconfirmed_authenticator_is_no_mfa(user, client):
    TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    assert sign_in(client, "ada@example.com")["Location"] == CLIENT_TRUST_URL


def test_trust_is_per_user_on_a_shared_client(make_user, client, mailoutbox):
    from tests.core.helpers import complete_sign_in

    make_user(email="ada@example.com")
    make_user(email="bob@example.com")
    complete_sign_in(client, "ada@example.com", mailoutbox)
    client.post("/sign-out/")
    assert sign_in(client, "bob@example.com")["Location"] == CLIENT_TRUST_URL
