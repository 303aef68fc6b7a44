"""The audit log: a row for every security event (who, what, IP, user agent, time), read-only
and filterable in the admin, and the user's own recent events on the account page."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from authflows.models import AuthEvent, InstanceSettings
from tests.conftest import sign_in
from tests.protect.conftest import complete_client_trust

pytestmark = pytest.mark.django_db
K = AuthEvent.Kind
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15"


def kinds(**filters: object) -> list[str]:
    return list(AuthEvent.objects.filter(**filters).order_by("id").values_list("kind", flat=True))


def test_client_trust_sign_in_leaves_a_trail(client, user, mailoutbox):
    client.defaults.update(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT=UA)
    sign_in(client, "ada@example.com")
    complete_client_trust(client, mailoutbox)
    assert kinds(user=user) == [K.CODE_SENT, K.TRUST_GRANTED, K.SIGN_IN_SUCCEEDED]
    event = AuthEvent.objects.get(kind=K.SIGN_IN_SUCCEEDED)
    assert event.ip == "198.51.100.7"
    assert event.user_agent == UA
    assert event.client_id is not None
    assert event.identifier == "ada@example.com"
    assert event.data == {"strategy": "password"}


def test_failures_known_and_unknown(client, user):
    sign_in(client, "ada@example.com", "wrong-password-here")
    sign_in(client, "ghost@example.com", "wrong-password-here")
    failed = AuthEvent.objects.filter(kind=K.SIGN_IN_FAILED).order_by("id")
    assert [(e.user_id, e.identifier) for e in failed] == [
        (user.pk, "ada@example.com"),
        (None, "ghost@example.com"),
    ]


def test_wrong_code_lockout_and_unlock(client, user, instance, mailoutbox, admin_client):
    instance(lockout_max_attempts=5)
    sign_in(client, "ada@example.com")
    client.get("/sign-in/client-trust/")
    for _ in range(5):
        client.post("/sign-in/client-trust/", {"code": "000000"})
    assert kinds(user=user).count(K.CODE_FAILED) == 5
    assert kinds(user=user).count(K.USER_LOCKED) == 1
    admin_client.post(
        "/admin/authflows/user/", {"action": "unlock_users", "_selected_action": [user.pk]}
    )
    unlocked = AuthEvent.objects.get(kind=K.USER_UNLOCKED)
    assert unlocked.actor == "root@example.com"


def test_trust_revoked_by_the_user(user, trusted_browser):
    sign_in(trusted_browser, "ada@example.com")
    client_id = trusted_browser.session["_authflows_client_id"]
    trusted_browser.post("/user/devices/revoke/", {"client": client_id})
    revoked = AuthEvent.objects.get(kind=K.TRUST_REVOKED)
    assert revoked.user == user
    assert revoked.data["count"] == 1


def test_sign_out(signed_in, user):
    signed_in().post("/sign-out/")
    assert K.SIGN_OUT in kinds(user=user)


def test_dashboard_change_names_the_fields_and_the_admin(admin_client):
    data = {
        k: v
        for k, v in model_to_dict(InstanceSettings.load()).items()
        if v is not False and k not in ("id", "updated_at")
    }
    data.update(lockout_max_attempts=7, enumeration_protection="strict")
    response = admin_client.post("/admin/authflows/instancesettings/1/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert InstanceSettings.load().lockout_max_attempts == 7
    event = AuthEvent.objects.get(kind=K.SETTINGS_CHANGED)
    assert event.actor == "root@example.com"
    assert event.data["fields"] == ["enumeration_protection", "lockout_max_attempts"]


def test_admin_list_is_filterable_and_read_only(client, user, admin_client):
    sign_in(client, "ghost@example.com", "wrong-password-here")
    listing = admin_client.get("/admin/authflows/authevent/?kind__exact=sign_in.failed")
    assert listing.status_code == 200
    assert "ghost@example.com" in listing.content.decode()
    searched = admin_client.get("/admin/authflows/authevent/?q=ghost")
    assert "ghost@example.com" in searched.content.decode()
    by_ip = admin_client.get("/admin/authflows/authevent/?q=127.0.0")
    assert by_ip.status_code == 200
    other = admin_client.get("/admin/authflows/authevent/?kind__exact=user.locked")
    assert "ghost@example.com" not in other.content.decode()
    event = AuthEvent.objects.get(kind=K.SIGN_IN_FAILED)
    change_url = f"/admin/authflows/authevent/{event.pk}/change/"
    assert admin_client.get(change_url).status_code == 200  # viewable
    admin_client.post(change_url, {"identifier": "rewritten"})
    assert AuthEvent.objects.get(pk=event.pk).identifier == "ghost@example.com"
    assert admin_client.get("/admin/authflows/authevent/add/").status_code == 403
    assert admin_client.post(f"/admin/authflows/authevent/{event.pk}/delete/").status_code == 403
    assert AuthEvent.objects.filter(pk=event.pk).exists()


def test_user_sees_own_recent_events_only(client, user, make_user, signed_in):
    make_user(email="eve@example.com")
    sign_in(client, "eve@example.com", "wrong-password-here")
    sign_in(client, "ada@example.com", "wrong-password-here")
    page = signed_in().get("/user/").content.decode()
    events = page[page.index('id="events"') :]
    assert 'data-event="sign_in.failed"' in events
    assert 'data-event="sign_in.succeeded"' in events
    assert events.count('data-event="sign_in.failed"') == 1  # not eve's


def test_recent_events_are_capped(signed_in, user):
    for _ in range(15):
        AuthEvent.objects.create(kind=K.SIGN_IN_FAILED, user=user)
    page = signed_in().get("/user/").content.decode()
    assert page.count("data-event=") == 10
