"""The account's passkeys: renamed, removed (after a recent proof of identity, never the
last way to sign in or the last MFA method Require-MFA needs), seen and removed by admins;
every change audited, additions and removals announced to the owner."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from authflows import clock
from authflows.models import AuthEvent, InstanceSettings, Passkey, User
from tests.conftest import PASSWORD, error_codes
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.conftest import register


@pytest.fixture
def browser(with_passkey, signed_in, instance) -> Client:  # type: ignore[no-untyped-def]
    """Ada signed in with her password (passkeys not asked as a second factor for that)."""
    instance(passkey_second_factor=False)
    signed = signed_in(with_passkey)
    instance(passkey_second_factor=True)
    return signed


def passkey_url(action: str) -> str:
    return f"/user/passkeys/{Passkey.objects.get().pk}/{action}/"


def test_the_account_lists_passkeys_with_their_last_use(browser):
    page = browser.get("/user/").content.decode()
    assert "Laptop" in page and "never" in page
    assert 'href="/user/passkeys/add/"' in page
    assert browser.get("/user/")["Cache-Control"] == "no-store"


def test_rename(browser, with_passkey):
    assert browser.get(passkey_url("rename")).status_code == 200
    response = browser.post(passkey_url("rename"), {"name": "  Work   phone "})
    assert response["Location"] == "/user/#passkeys"
    assert Passkey.objects.get().name == "Work phone"
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_RENAMED)
    assert (event.user, event.data["name"]) == (with_passkey, "Work phone")
    assert error_codes(browser.post(passkey_url("rename"), {"name": " "})) == ["form_param_missing"]
    too_long = browser.post(passkey_url("rename"), {"name": "x" * 65})
    assert error_codes(too_long) == ["form_param_format_invalid"]


def test_remove_after_a_recent_proof(browser, with_passkey, mailoutbox):
    mailoutbox.clear()
    clock.advance(11 * 60)
    assert browser.get(passkey_url("remove"))["Location"].startswith("/user/verify/")
    browser.post("/user/verify/", {"password": PASSWORD, "action": "verify"})
    response = browser.post(passkey_url("remove"), {"action": "remove"})
    assert response["Location"] == "/user/#passkeys"
    assert not Passkey.objects.exists()
    assert AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_REMOVED).user == with_passkey
    assert [m.subject for m in mailoutbox] == ["A passkey was removed from your account"]


def test_someone_elses_passkey_is_neither_renamed_nor_removed(browser, make_user, signed_in):
    other = signed_in(make_user(email="eve@example.com"))
    for action in ("rename", "remove"):
        response = other.post(passkey_url(action), {"name": "mine", "action": "remove"})
        assert response["Location"] == "/user/#passkeys"
    assert Passkey.objects.get().name == "Laptop"
    assert other.get("/user/passkeys/999999/remove/")["Location"] == "/user/#passkeys"


def test_not_the_only_way_to_sign_in(passkeys_on, make_user, instance):
    """No password and no passwordless method: the passkey is all the account has."""
    instance(email_code_sign_in=False, email_link_sign_in=False, client_trust=False)
    user = make_user(email="pia@example.com", password="")
    key = SoftAuthenticator()
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session["authflows_auth_at"] = clock.now().timestamp()
    session.save()
    assert register(browser, key).status_code == 200
    response = browser.post(passkey_url("remove"), {"action": "remove"})
    assert error_codes(response) == ["passkey_last_sign_in_method"]
    assert Passkey.objects.exists()
    register(browser, key)  # with a second one, the first may go
    first = Passkey.objects.order_by("pk").first()
    assert first is not None
    response = browser.post(f"/user/passkeys/{first.pk}/remove/", {"action": "remove"})
    assert response.status_code == 302 and Passkey.objects.count() == 1


def test_not_the_last_method_require_mfa_needs(browser, instance):
    instance(mfa_required=True)
    response = browser.post(passkey_url("remove"), {"action": "remove"})
    assert error_codes(response) == ["second_factor_deletion_not_allowed"]
    instance(passkey_second_factor=False)  # then it is no MFA method: it may go
    assert browser.post(passkey_url("remove"), {"action": "remove"}).status_code == 302


def test_passkeys_count_as_mfa_for_require_mfa_only_when_allowed(
    with_passkey, instance, authenticator
):
    from tests.passkeys.conftest import passkey_sign_in

    instance(mfa_required=True)
    assert passkey_sign_in(Client(), authenticator).json() == {"redirect": "/user/"}
    instance(passkey_second_factor=False)
    answer = passkey_sign_in(Client(), authenticator).json()
    assert answer == {"redirect": "/sign-in/tasks/setup-mfa/"}


def test_admins_see_and_remove_passkeys(with_passkey, staff_client, mailoutbox):
    mailoutbox.clear()
    page = staff_client.get(f"/admin/authflows/user/{with_passkey.pk}/change/").content.decode()
    assert (
        "Laptop" in page and f"/admin/authflows/passkey/?user__id__exact={with_passkey.pk}" in page
    )
    listing = staff_client.get(f"/admin/authflows/passkey/?user__id__exact={with_passkey.pk}")
    assert listing.status_code == 200 and "Laptop" in listing.content.decode()
    passkey = Passkey.objects.get()
    url = f"/admin/authflows/passkey/{passkey.pk}/delete/"
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Passkey.objects.exists()
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_REMOVED)
    assert (event.user, event.actor) == (with_passkey, "admin@example.com")
    assert [m.to for m in mailoutbox] == [[with_passkey.email]]
    assert "An administrator made this change." in mailoutbox[0].body


def test_admins_remove_several_at_once(with_passkey, staff_client, signed_in, make_user):
    register(signed_in(make_user(email="eve@example.com")), SoftAuthenticator())
    ids = [str(pk) for pk in Passkey.objects.values_list("pk", flat=True)]
    data = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    assert staff_client.post("/admin/authflows/passkey/", data).status_code == 302
    assert not Passkey.objects.exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_REMOVED).count() == 2


def test_the_dashboard_refuses_passkeys_with_no_use(db):
    row = InstanceSettings.load()
    row.passkeys_enabled, row.passkey_first_factor, row.passkey_second_factor = True, False, False
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    message = " ".join(refused.value.message_dict["passkey_first_factor"])
    assert "allow passkeys as a first factor" in message
    assert "allow passkeys as a second factor" in message
    row.passkeys_enabled = False
    row.full_clean()  # off, the two uses say nothing


def test_the_dashboard_shows_the_passkey_settings(staff_client):
    page = staff_client.get("/admin/authflows/instancesettings/1/change/").content.decode()
    for name in ("passkeys_enabled", "passkey_first_factor", "passkey_second_factor"):
        assert f'name="{name}"' in page
    assert User.objects.exists()


def test_with_a_passkey_as_mfa_the_app_may_go_under_require_mfa(browser, with_passkey, instance):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    instance(mfa_required=True)
    response = browser.post("/user/mfa/totp/remove/", {"password": PASSWORD})
    assert response["Location"] == "/user/"
    assert not TOTPDevice.objects.filter(user=with_passkey).exists()
    instance(passkey_second_factor=False)  # now the passkey is no MFA method
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    refused = browser.post("/user/mfa/totp/remove/", {"password": PASSWORD})
    assert error_codes(refused) == ["second_factor_deletion_not_allowed"]
