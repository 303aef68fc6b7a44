"""The Django signals a project reacts to (authflows/signals.py), each with its arguments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.dispatch import Signal

from authflows import signals
from authflows.models import User
from tests.account.conftest import add_and_verify_email
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db

NAMES = (
    "user_created",
    "user_updated",
    "user_deleted",
    "user_signed_in",
    "user_signed_out",
    "identification_added",
    "identification_removed",
    "mfa_changed",
)


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict]]]:
    calls: list[tuple[str, dict]] = []
    receivers = []
    for name in NAMES:
        signal: Signal = getattr(signals, name)

        def receiver(sender, signal, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            assert sender is User
            calls.append((_name, kwargs))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    yield calls
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def of(calls: list[tuple[str, dict]], name: str) -> list[dict]:
    return [kwargs for called, kwargs in calls if called == name]


def test_sign_up_sign_in_and_out(client, heard):
    response = client.post(
        "/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD}
    )
    follow_sign_up(client, response)
    user = User.objects.get(email="new@example.com")
    [created] = of(heard, "user_created")
    assert created["user"] == user and created["via"] == "sign_up"
    assert created["context"] is not None and created["actor"] == ""
    [signed_in] = of(heard, "user_signed_in")
    assert signed_in["user"] == user and signed_in["strategy"] == "sign_up"
    client.post("/sign-out/")
    assert [k["user"] for k in of(heard, "user_signed_out")] == [user]


def test_addresses_profile_and_deletion(signed_in, ada, mailoutbox, heard, instance):
    instance(name_sign_up=True)
    row = add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    [added] = of(heard, "identification_added")
    assert added == {
        "user": ada,
        "context": added["context"],
        "actor": "",
        "identification_id": row.public_id,
        "identification_type": "email_address",
        "identifier": "ada.work@example.com",
    }
    signed_in.post(f"/user/email-addresses/{row.public_id}/", {"action": "primary"})
    assert of(heard, "user_updated")[-1]["fields"] == ["primary_email_address"]
    old = ada.email_addresses.get(email_address="ada@example.com")
    signed_in.post(f"/user/email-addresses/{old.public_id}/", {"action": "remove"})
    [removed] = of(heard, "identification_removed")
    assert removed["identification_id"] == old.public_id
    signed_in.post("/user/profile/", {"firstName": "Ada", "lastName": ""})
    assert of(heard, "user_updated")[-1]["fields"] == ["first_name"]
    signed_in.post("/user/delete/", {"confirmation": "delete my account"})
    [deleted] = of(heard, "user_deleted")
    assert deleted["user"] is None and deleted["user_id"] == ada.pk
    assert deleted["pseudonym"].startswith("deleted-user:")


def test_mfa_changes(signed_in, ada, heard):
    from tests.mfa.conftest import enrol_totp

    enrol_totp(signed_in)
    assert of(heard, "mfa_changed") == [
        {
            "user": ada,
            "context": of(heard, "mfa_changed")[0]["context"],
            "actor": "",
            "strategy": "totp",
            "enabled": True,
        }
    ]
    page = signed_in.get("/user/mfa/backup-codes/").content.decode()
    import re

    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    signed_in.post("/user/mfa/backup-codes/", {"nonce": nonce})
    assert of(heard, "mfa_changed")[-1]["strategy"] == "backup_code"
    from tests.conftest import PASSWORD

    signed_in.post("/user/mfa/totp/remove/", {"password": PASSWORD})
    changes = [(k["strategy"], k["enabled"]) for k in of(heard, "mfa_changed")]
    assert changes[-2:] == [("totp", False), ("backup_code", False)]


def test_a_password_change_is_an_update(signed_in, heard):
    from tests.conftest import PASSWORD

    signed_in.post("/user/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert of(heard, "user_updated")[-1]["fields"] == ["password"]


def test_an_admin_adding_a_user(staff_client, heard):
    from tests.protect.test_smaller_findings import add_user_in_the_admin

    assert add_user_in_the_admin(staff_client, NEW_PASSWORD).status_code == 302
    [created] = of(heard, "user_created")
    assert created["user"].email == "new@example.com"
    assert (created["via"], created["actor"]) == ("admin", "admin@example.com")
    assert User.objects.get(email="new@example.com").email_addresses.get().primary
