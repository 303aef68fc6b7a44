"""Password change on /user/: current + new password; trusted devices revoked, other
sessions ended, this session kept."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import AuthEvent, TrustedClient, UserSession
from tests.conftest import PASSWORD, error_codes, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, complete_sign_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-different-long-passphrase-57"


def change(browser: Client, current: str = PASSWORD, new: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return browser.post("/user/password/", {"current_password": current, "new_password": new})


@pytest.fixture
def signed_in(client, user, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    complete_sign_in(client, "ada@example.com", mailoutbox)
    return client


def test_account_page_shows_the_password_form(signed_in):
    html = signed_in.get("/user/").content.decode()
    assert 'action="/user/password/"' in html
    assert 'name="current_password"' in html and 'autocomplete="current-password"' in html
    assert 'name="new_password"' in html and 'autocomplete="new-password"' in html


def test_change_keeps_this_session_and_sets_the_new_password(signed_in, user):
    response = change(signed_in)
    assert response.status_code == 302
    assert response["Location"] == "/user/"
    page = signed_in.get("/user/")
    assert page.status_code == 200
    assert "Your password was changed." in page.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_CHANGED, user=user).count() == 1


def test_change_revokes_every_trusted_device(signed_in, user, mailoutbox, browser):
    complete_sign_in(browser, "ada@example.com", mailoutbox)
    assert TrustedClient.objects.filter(user=user).count() == 2
    change(signed_in)
    assert not TrustedClient.objects.filter(user=user).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.TRUST_REVOKED, user=user).exists()
    signed_in.post("/sign-out/")
    response = sign_in(signed_in, "ada@example.com", NEW_PASSWORD)
    assert response["Location"] == CLIENT_TRUST_URL


def test_change_ends_the_other_sessions(signed_in, user, mailoutbox, browser):
    complete_sign_in(browser, "ada@example.com", mailoutbox)
    assert browser.get("/user/").status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2
    change(signed_in)
    assert UserSession.objects.filter(user=user).count() == 1
    assert browser.get("/user/").status_code == 302  # signed out there
    assert signed_in.get("/user/").status_code == 200


def test_old_password_no_longer_signs_in(signed_in, browser):
    change(signed_in)
    assert error_codes(sign_in(browser, "ada@example.com")) == ["form_password_incorrect"]


@pytest.mark.parametrize(
    ("current", "new", "field", "code"),
    [
        ("wrong-password", NEW_PASSWORD, "current_password", "form_password_incorrect"),
        ("", NEW_PASSWORD, "current_password", "form_param_missing"),
        (PASSWORD, "", "new_password", "form_param_missing"),
        (PASSWORD, "short7!", "new_password", "form_password_length_too_short"),
        (PASSWORD, "x" * 257, "new_password", "form_password_length_too_long"),
        (PASSWORD, "31415926535897", "new_password", "form_password_validation_failed"),
        (PASSWORD, "ada@example.com", "new_password", "form_password_validation_failed"),
        (PASSWORD, "x" * 5000, "new_password", "form_param_format_invalid"),
    ],
)
def test_refusals_name_the_field(signed_in, user, current, new, field, code):
    response = change(signed_in, current, new)
    assert response.status_code == 400
    assert page_status(response) == "account"
    assert error_codes(response) == [code]
    assert f'id="{field}-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert TrustedClient.objects.filter(user=user).exists()


def test_dashboard_minimum_length_applies(signed_in, instance):
    instance(password_min_length=20)
    assert error_codes(change(signed_in, new="only-17-chars-xyz")) == [
        "form_password_length_too_short"
    ]
    assert change(signed_in, new="twenty-or-more-characters").status_code == 302


def test_wrong_current_password_counts_towards_lockout(signed_in, user, instance):
    """Someone holding an open session can't guess the password freely. The session's device
    is trusted, so it is that device that locks (SPEC 9): the owner's other devices don't."""
    instance(lockout_max_attempts=5)
    for _ in range(5):
        change(signed_in, current="wrong-password")
    assert TrustedClient.objects.get(user=user).locked_until is not None
    assert error_codes(change(signed_in)) == ["user_locked"]
    user.refresh_from_db()
    assert user.locked_until is None


def test_signed_out_browser_is_sent_to_sign_in(client, user):
    response = change(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?redirect_url=")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_get_is_not_allowed(signed_in):
    assert signed_in.get("/user/password/").status_code == 405


def test_a_compromised_new_password_is_refused(signed_in, user):
    response = change(signed_in, new="password123")
    assert response.status_code == 400
    assert error_codes(response) == ["form_password_pwned"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_admins_own_password_change_is_the_account_pages(staff_client):
    response = staff_client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/user/#password"
    assert staff_client.post("/admin/password_change/", {}).status_code == 302
