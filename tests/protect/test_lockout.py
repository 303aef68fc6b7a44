"""Lockout (SPEC 6): failures lock the user, the owner is told, trusted devices still work,
admins lift locks, and every Dashboard setting is honoured."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows import cache as counters
from authflows import clock
from authflows.models import AuthEvent, User
from authflows.protect import lockout
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.protect.conftest import ADMIN_PASSWORD, totp_code

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-at-all"


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    instance(client_trust=False)


def fail(client: Client, times: int, identifier: str = "ada@example.com") -> list[list[str]]:
    return [error_codes(sign_in(client, identifier, WRONG)) for _ in range(times)]


def test_ten_failures_lock_the_user_with_time_left(client, user, mailoutbox):
    answers = fail(client, 10)
    assert answers == [["form_password_incorrect"]] * 10
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 400
    assert error_codes(response) == ["user_locked"]
    assert "try again in 60 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_nine_failures_do_not_lock(client, user):
    fail(client, 9)
    assert sign_in(client, "ada@example.com").status_code == 302


def test_owner_gets_one_email_and_an_audit_event_when_locked(client, user, mailoutbox):
    fail(client, 12)
    locked_mails = [m for m in mailoutbox if "locked" in m.subject]
    assert len(locked_mails) == 1
    assert locked_mails[0].to == ["ada@example.com"]
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_LOCKED, user=user).count() == 1
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_IN_FAILED, user=user).count() >= 10


def test_lock_ends_after_the_duration(client, user):
    fail(client, 10)
    clock.advance(59 * 60)
    assert error_codes(sign_in(client, "ada@example.com")) == ["user_locked"]
    assert "1 minutes" in sign_in(client, "ada@example.com").content.decode()
    clock.advance(61)
    assert sign_in(client, "ada@example.com").status_code == 302


def test_dashboard_max_attempts_and_duration(client, user, instance):
    instance(lockout_max_attempts=5, lockout_duration_minutes=15)
    fail(client, 5)
    response = sign_in(client, "ada@example.com")
    assert error_codes(response) == ["user_locked"]
    assert "15 minutes" in response.content.decode()
    clock.advance(15 * 60 + 1)
    assert sign_in(client, "ada@example.com").status_code == 302


def test_dashboard_minimum_is_five(instance):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        instance(lockout_max_attempts=4)


def test_indefinite_lock_waits_for_an_admin(client, user, instance, admin_user, signed_in):
    instance(lockout_indefinite=True)
    fail(client, 10)
    clock.advance(30 * 24 * 3600)
    response = sign_in(client, "ada@example.com")
    assert error_codes(response) == ["user_locked"]
    assert "Contact support" in response.content.decode()
    admin_client = signed_in(admin_user, ADMIN_PASSWORD)
    unlock = admin_client.post(
        "/admin/authflows/user/",
        {"action": "unlock_users", "_selected_action": [user.pk]},
    )
    assert unlock.status_code == 302
    assert sign_in(client, "ada@example.com").status_code == 302
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_UNLOCKED, user=user).exists()


def test_admin_sees_locked_users(client, user, admin_client):
    fail(client, 10)
    page = admin_client.get("/admin/authflows/user/")
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index("ada@example.com") :]
    assert 'alt="True"' in row[: row.index("</tr>")]


def test_lockout_off(client, user, instance):
    instance(lockout_enabled=False)
    fail(client, 25)
    assert sign_in(client, "ada@example.com").status_code == 302
    assert User.objects.get(pk=user.pk).locked_until is None


def test_success_resets_the_count(client, user):
    fail(client, 9)
    assert sign_in(client, "ada@example.com").status_code == 302
    client.post("/sign-out/")
    fail(client, 9)
    assert sign_in(client, "ada@example.com").status_code == 302


# --- lockout is not a weapon ----------------------------------------------------------------


def test_trusted_device_signs_in_while_attackers_are_locked_out(
    user, instance, trusted_browser, browser
):
    instance(client_trust=True)
    fail(browser, 10)  # an attacker who knows the address
    assert error_codes(sign_in(browser, "ada@example.com")) == ["user_locked"]
    response = sign_in(trusted_browser, "ada@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(trusted_browser.session["_auth_user_id"]) == user.pk


def test_trusted_device_still_limited_by_its_own_count(user, instance, trusted_browser, browser):
    instance(client_trust=True)
    fail(browser, 10)
    answers = fail(trusted_browser, 10)
    assert answers == [["form_password_incorrect"]] * 10
    assert error_codes(sign_in(trusted_browser, "ada@example.com")) == ["user_locked"]


def test_failures_on_the_trusted_device_do_not_extend_the_lock(
    user, instance, trusted_browser, browser
):
    instance(client_trust=True)
    fail(browser, 10)
    until = User.objects.get(pk=user.pk).locked_until
    clock.advance(30 * 60)
    fail(trusted_browser, 3)
    assert User.objects.get(pk=user.pk).locked_until == until


def test_admin_unlock_also_lifts_a_device_lock(user, instance, trusted_browser, admin_client):
    instance(client_trust=True)
    fail(trusted_browser, 10)
    assert error_codes(sign_in(trusted_browser, "ada@example.com")) == ["user_locked"]
    admin_client.post(
        "/admin/authflows/user/", {"action": "unlock_users", "_selected_action": [user.pk]}
    )
    assert sign_in(trusted_browser, "ada@example.com").status_code == 302


def test_untrusted_client_with_a_cookie_is_locked_too(user, browser):
    browser.get("/sign-in/")
    fail(browser, 10)
    other = Client()
    assert error_codes(sign_in(other, "ada@example.com")) == ["user_locked"]


# --- codes count too -------------------------------------------------------------------------


def test_wrong_client_trust_codes_lock(client, user, instance, mailoutbox):
    instance(client_trust=True, lockout_max_attempts=5)
    sign_in(client, "ada@example.com")
    client.get("/sign-in/client-trust/")
    for _ in range(5):
        client.post("/sign-in/client-trust/", {"code": "000000", "action": "verify"})
    response = client.post("/sign-in/client-trust/", {"code": "000000", "action": "verify"})
    assert error_codes(response) == ["user_locked"]
    assert any("locked" in m.subject for m in mailoutbox)


def test_wrong_totp_codes_lock(client, user, totp_device, instance):
    instance(lockout_max_attempts=5)
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/factor-two/"
    for _ in range(5):
        client.post("/sign-in/factor-two/", {"code": "000000", "strategy": "totp"})
    response = client.post(
        "/sign-in/factor-two/", {"code": totp_code(totp_device), "strategy": "totp"}
    )
    assert error_codes(response) == ["user_locked"]
    assert "_auth_user_id" not in client.session


def test_wrong_backup_codes_lock(client, user, backup_codes, instance):
    instance(lockout_max_attempts=5)
    sign_in(client, "ada@example.com")
    for _ in range(5):
        client.post("/sign-in/factor-two/", {"code": "zzzz-zzzz", "useBackupCode": "on"})
    response = client.post("/sign-in/factor-two/", {"code": backup_codes[0], "useBackupCode": "on"})
    assert error_codes(response) == ["user_locked"]


def test_locked_user_is_locked_at_the_password_step_with_mfa_too(client, user, totp_device):
    fail(client, 10)
    assert error_codes(sign_in(client, "ada@example.com")) == ["user_locked"]


def test_locked_state_shows_a_sentence_not_a_code(client, user):
    fail(client, 10)
    html = sign_in(client, "ada@example.com").content.decode()
    assert "Your account is locked" in html
    assert PASSWORD not in html


def test_right_password_does_not_reset_the_count_of_wrong_codes(
    user, instance, trusted_browser, totp_device
):
    """A trusted browser with the password cannot guess authenticator codes forever by
    re-entering the password between guesses."""
    instance(lockout_max_attempts=5)
    guesses = []
    for _ in range(3):
        sign_in(trusted_browser, "ada@example.com")
        for _ in range(2):
            response = trusted_browser.post(
                "/sign-in/factor-two/", {"code": "000000", "strategy": "totp"}
            )
            guesses.append(error_codes(response))
    assert guesses[:5] == [["form_code_incorrect"]] * 5
    assert guesses[5] == ["user_locked"]
    assert error_codes(sign_in(trusted_browser, "ada@example.com")) == ["user_locked"]


def test_a_sign_in_forgets_earlier_failures_but_not_one_counted_while_it_ran(user, instance):
    """The completed sign-in deletes its count only when the count held something when its
    check took a place: one failure counted by another request meanwhile stays."""
    settings = instance()
    who = lockout.Claimant(user=user, identifier="ada@example.com")
    memo: dict[str, object] = {}
    hold = lockout.reserve(who, settings, field="password", memo=memo)
    assert hold.number == 1  # an empty count
    counters.count(hold.count_key, timeout=3600)  # another request's failure, meanwhile
    lockout.release(hold)
    lockout.clear_count(who, memo)
    assert counters.count(hold.count_key, timeout=3600) == 2  # that failure stayed

    memo = {}
    hold = lockout.reserve(who, settings, field="password", memo=memo)  # finds 2 taken
    lockout.release(hold)
    lockout.clear_count(who, memo)
    assert counters.count(hold.count_key, timeout=3600) == 1  # forgotten: a new count


def test_an_admin_unlock_starts_new_counts(user, instance):
    who = lockout.Claimant(user=user, identifier="ada@example.com")
    before = lockout.reserve(who, instance(), field="password", memo={})
    lockout.unlock(user)
    user.refresh_from_db()
    after = lockout.reserve(who, instance(), field="password", memo={})
    assert after.count_key != before.count_key and after.number == 1
