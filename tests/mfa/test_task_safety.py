"""A pending setup-mfa session is a step of a sign-in, not a session: a password reset ends
it, it does not outlive its lifetime, and it cannot finish once the account has MFA."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from tests.conftest import last_code, sign_in
from tests.mfa.conftest import app_code, shown_secret

pytestmark = pytest.mark.django_db

TASK = "/sign-in/tasks/setup-mfa/"
RESET = "/sign-in/reset-password/"
NEW = "correct-horse-battery-staple-71"


@pytest.fixture
def attacker(user, instance) -> Client:  # type: ignore[no-untyped-def]
    """Someone who knew the password: their sign-in waits at the setup-mfa task."""
    instance(mfa_required=True, client_trust=False)
    browser = Client()
    assert sign_in(browser, "ada@example.com")["Location"] == TASK
    return browser


def finishes(browser: Client) -> bool:
    page = browser.get(TASK)
    if page.status_code != 200:
        return False
    secret = shown_secret(page.content.decode())
    browser.post(TASK, {"method": "totp", "code": app_code(secret)})
    return "_auth_user_id" in browser.session


def test_a_password_reset_ends_a_pending_task(attacker, mailoutbox):
    owner = Client()
    owner.get(RESET)
    owner.post(RESET, {"identifier": "ada@example.com"})
    owner.get(RESET)
    owner.post(RESET, {"code": last_code(mailoutbox[-1].body)})
    owner.post(RESET, {"password": NEW})
    assert attacker.get(TASK)["Location"] == "/sign-in/"
    assert not finishes(attacker)
    assert attacker.get("/user/")["Location"].startswith("/sign-in/")


def test_a_password_change_elsewhere_ends_a_pending_task(attacker, user):
    user.set_password(NEW)
    user.save()
    assert not finishes(attacker)


def test_a_pending_task_expires(attacker):
    clock.advance(31 * 60)
    assert attacker.get(TASK)["Location"] == "/sign-in/"
    assert not finishes(attacker)


def test_a_pending_task_cannot_finish_once_the_account_has_mfa(attacker, user):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)  # added by the owner
    response = attacker.get(TASK)
    assert response["Location"] == "/sign-in/"
    assert "_auth_user_id" not in attacker.session


def test_a_pending_task_within_its_lifetime_still_finishes(attacker, user):
    clock.advance(29 * 60)
    assert finishes(attacker)
    assert int(attacker.session["_auth_user_id"]) == user.pk


def test_a_secret_seen_in_another_session_is_never_the_one_enrolled(attacker, user):
    seen = shown_secret(attacker.get(TASK).content.decode())  # noted, never confirmed
    owner = Client()
    assert sign_in(owner, "ada@example.com")["Location"] == TASK
    page = owner.get(TASK).content.decode()
    assert shown_secret(page) != seen
    assert shown_secret(owner.get(TASK).content.decode()) == shown_secret(page)  # a reload keeps it
    assert finishes(owner)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    enrolled = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert enrolled == shown_secret(page) != seen
