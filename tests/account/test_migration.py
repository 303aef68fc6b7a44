"""The data migration gives every existing user their email-address and phone-number rows,
without losing or changing anything (run on a populated PostgreSQL database)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("authflows", "0008_event_kinds")]
AFTER = [("authflows", "0009_account_identifications")]


def migrate(targets: list[tuple[str, str]] | None = None):  # type: ignore[no-untyped-def]
    """Migrate the test database to `targets` (default: the latest); the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest(transactional_db):  # type: ignore[no-untyped-def]
    """Whatever a test does to the schema, the next test finds the latest one."""
    yield
    migrate()


@pytest.mark.postgres
def test_existing_users_get_their_rows(back_to_latest):
    old_apps = migrate(BEFORE)
    OldUser = old_apps.get_model("authflows", "User")
    users = [
        OldUser.objects.create(email="ada@example.com", email_verified=True, password="x"),
        OldUser.objects.create(email="bob@example.com", phone="+14155550100", password="x"),
        OldUser.objects.create(phone="+14155550101", phone_verified=True, password="x"),
        OldUser.objects.create(username="carol", password="x"),
    ]
    for n in range(1200):  # more than one batch
        OldUser.objects.create(email=f"bulk{n}@example.com", password="x")
    before = list(OldUser.objects.order_by("pk").values())

    new_apps = migrate(AFTER)
    User = new_apps.get_model("authflows", "User")
    EmailAddress = new_apps.get_model("authflows", "EmailAddress")
    PhoneNumber = new_apps.get_model("authflows", "PhoneNumber")

    assert list(User.objects.order_by("pk").values()) == before  # nothing lost or changed
    assert EmailAddress.objects.count() == 1202
    assert PhoneNumber.objects.count() == 2
    ada = EmailAddress.objects.get(user_id=users[0].pk)
    assert (ada.email_address, ada.primary, ada.verified) == ("ada@example.com", True, True)
    assert ada.public_id.startswith("idn_") and len(ada.public_id) == 31
    bob_email = EmailAddress.objects.get(user_id=users[1].pk)
    bob_phone = PhoneNumber.objects.get(user_id=users[1].pk)
    assert (bob_email.verified, bob_phone.phone_number, bob_phone.verified) == (
        False,
        "+14155550100",
        False,
    )
    assert PhoneNumber.objects.get(user_id=users[2].pk).verified
    assert not EmailAddress.objects.filter(user_id=users[3].pk).exists()
    assert len(set(EmailAddress.objects.values_list("public_id", flat=True))) == 1202


@pytest.mark.postgres
def test_a_migrated_user_signs_in_by_their_address(back_to_latest, client, mailoutbox):
    OldUser = migrate(BEFORE).get_model("authflows", "User")
    old = OldUser.objects.create(email="dora@example.com", email_verified=True)
    migrate()
    from authflows.models import User
    from tests.conftest import PASSWORD
    from tests.core.helpers import complete_sign_in

    user = User.objects.get(pk=old.pk)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    response = complete_sign_in(client, "dora@example.com", mailoutbox)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
