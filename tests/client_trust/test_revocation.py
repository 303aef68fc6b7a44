"""Trust lasts as long as the client cookie and survives sign-out; the user revokes a device
on /user/, an admin by an action or the inline, and a password change revokes them all."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import AuthEvent, TrustedClient
from authflows.models import Client as ClientRow
from tests.conftest import PASSWORD, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, client_id_of, complete_sign_in

pytestmark = pytest.mark.django_db
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def trusted(user, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    """A Chrome browser that verified once and is signed in."""
    browser = Client(HTTP_USER_AGENT=CHROME)
    assert complete_sign_in(browser, "ada@example.com", mailoutbox)["Location"] == "/"
    return browser


def asks_for_a_code(browser: Client) -> bool:
    browser.post("/sign-out/")
    return sign_in(browser, "ada@example.com")["Location"] == CLIENT_TRUST_URL


# --- lifetime ---------------------------------------------------------------------------------


def test_trust_survives_sign_out(trusted, mailoutbox):
    for _ in range(3):
        trusted.post("/sign-out/")
        assert "_auth_user_id" not in trusted.session
        assert sign_in(trusted, "ada@example.com")["Location"] == "/"
    assert len(mailoutbox) == 2  # the one code and the one new sign-in notice


def test_trust_is_tied_to_the_cookie(trusted):
    trusted.cookies.pop("authflows_client")
    assert asks_for_a_code(trusted)


# --- the user, on /user/ ----------------------------------------------------------------------


def test_account_page_lists_trusted_devices(trusted, user, mailoutbox):
    phone = Client(HTTP_USER_AGENT=SAFARI)
    complete_sign_in(phone, "ada@example.com", mailoutbox)
    html = trusted.get("/user/").content.decode()
    assert "Trusted devices" in html
    assert "Chrome 120 on Windows" in html
    assert "Safari 17 on iOS" in html
    assert html.count("This device") == 1
    this_row = html.split(f'data-client="{client_id_of(trusted)}"')[1].split("</tr>")[0]
    assert "This device" in this_row
    assert html.count(">Revoke<") == 2


def test_user_revokes_a_device(trusted, user, mailoutbox):
    phone = Client(HTTP_USER_AGENT=SAFARI)
    complete_sign_in(phone, "ada@example.com", mailoutbox)
    response = trusted.post("/user/devices/revoke/", {"client": client_id_of(phone)})
    assert response["Location"] == "/user/"
    assert list(TrustedClient.objects.values_list("client_id", flat=True)) == [
        client_id_of(trusted)
    ]
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.TRUST_REVOKED, user=user).exists()
    assert asks_for_a_code(phone)
    assert not asks_for_a_code(trusted)


def test_user_revokes_this_device(trusted):
    trusted.post("/user/devices/revoke/", {"client": client_id_of(trusted)})
    assert "No trusted devices." in trusted.get("/user/").content.decode()
    assert asks_for_a_code(trusted)


def test_user_cannot_revoke_another_users_device(trusted, make_user):
    other = make_user(email="bob@example.com")
    theirs = TrustedClient.objects.create(client=ClientRow.objects.create(), user=other)
    trusted.post("/user/devices/revoke/", {"client": theirs.client_id})
    assert TrustedClient.objects.filter(pk=theirs.pk).exists()


def test_revoke_needs_a_signed_in_user(client, user):
    row = TrustedClient.objects.create(client=ClientRow.objects.create(), user=user)
    response = client.post("/user/devices/revoke/", {"client": row.client_id})
    assert response["Location"].startswith("/sign-in/")
    assert TrustedClient.objects.filter(pk=row.pk).exists()


# --- the admin --------------------------------------------------------------------------------


def test_admin_action_revokes_all_of_a_users_devices(trusted, staff_client, user, staff):
    TrustedClient.objects.create(client=ClientRow.objects.create(), user=user)
    response = staff_client.post(
        "/admin/authflows/user/",
        {"action": "revoke_trusted_devices", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert not TrustedClient.objects.filter(user=user).exists()
    assert TrustedClient.objects.filter(user=staff).exists()  # the admin's own stays
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.TRUST_REVOKED, user=user)
    assert event.actor == staff.email
    assert asks_for_a_code(trusted)


def user_change_form(user, trust_ids: list[int], delete: set[int]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "email": user.email,
        "phone": user.phone or "",
        "username": user.username or "",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "locked_until_0": "",
        "locked_until_1": "",
        "is_active": "on",
        "trusted_clients-TOTAL_FORMS": str(len(trust_ids)),
        "trusted_clients-INITIAL_FORMS": str(len(trust_ids)),
        "trusted_clients-MIN_NUM_FORMS": "0",
        "trusted_clients-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, pk in enumerate(trust_ids):
        data[f"trusted_clients-{i}-id"] = str(pk)
        data[f"trusted_clients-{i}-user"] = str(user.pk)
        if pk in delete:
            data[f"trusted_clients-{i}-DELETE"] = "on"
    return data


def test_admin_lists_and_revokes_per_device_in_the_inline(trusted, staff_client, user):
    other = TrustedClient.objects.create(client=ClientRow.objects.create(), user=user)
    mine = TrustedClient.objects.get(client_id=client_id_of(trusted))
    url = f"/admin/authflows/user/{user.pk}/change/"
    page = staff_client.get(url)
    assert "Trusted devices (delete to revoke)" in page.content.decode()
    response = staff_client.post(url, user_change_form(user, [mine.pk, other.pk], {mine.pk}))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(TrustedClient.objects.filter(user=user)) == [other]
    revoked = AuthEvent.objects.get(kind=AuthEvent.Kind.TRUST_REVOKED)
    assert (revoked.user, revoked.data["client"]) == (user, mine.client_id)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the password hash is not a form field
    assert asks_for_a_code(trusted)


def test_admin_setting_a_password_revokes_the_users_devices(trusted, staff_client, user):
    new = "an-admin-chosen-passphrase-44"
    response = staff_client.post(
        f"/admin/authflows/user/{user.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert not TrustedClient.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.check_password(new)


# --- a password change --------------------------------------------------------------------------


def test_password_change_revokes_all_and_this_device_asks_again(trusted, user, mailoutbox):
    phone = Client(HTTP_USER_AGENT=SAFARI)
    complete_sign_in(phone, "ada@example.com", mailoutbox)
    new = "a-brand-new-passphrase-61"
    response = trusted.post("/user/password/", {"current_password": PASSWORD, "new_password": new})
    assert response["Location"] == "/user/"
    assert not TrustedClient.objects.exists()
    assert trusted.get("/user/").status_code == 200  # still signed in here
    trusted.post("/sign-out/")
    assert sign_in(trusted, "ada@example.com", new)["Location"] == CLIENT_TRUST_URL
    assert sign_in(phone, "ada@example.com", new)["Location"] == CLIENT_TRUST_URL
