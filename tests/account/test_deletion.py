"""Deleting an account: a recent proof of identity and a typed confirmation; every session
and device goes, personal data goes, the audit log keeps a pseudonym. Admins delete too."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows import clock
from authflows.flows.me.deletion import pseudonym
from authflows.flows.reverify import RECENT_SECONDS
from authflows.models import (
    AuthEvent,
    EmailAddress,
    SignUpAttempt,
    TrustedClient,
    User,
    UserSession,
    Verification,
)
from tests.account.conftest import add_and_verify_email
from tests.conftest import PASSWORD, error_codes, page_status, sign_in
from tests.core.helpers import complete_sign_in

pytestmark = pytest.mark.django_db

DELETE = "/user/delete/"


def test_deleting_my_account(signed_in, ada, mailoutbox):
    add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    other = Client()
    complete_sign_in(other, "ada@example.com", mailoutbox)
    assert UserSession.objects.filter(user=ada).count() == 2
    page = signed_in.get(DELETE)
    assert page.status_code == 200 and page_status(page) == "delete_account"
    wrong = signed_in.post(DELETE, {"confirmation": "delete it"})
    assert error_codes(wrong) == ["form_param_value_invalid"]
    assert User.objects.filter(pk=ada.pk).exists()

    response = signed_in.post(DELETE, {"confirmation": "  Delete my ACCOUNT "})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=ada.pk).exists()
    assert not EmailAddress.objects.exists()
    assert not TrustedClient.objects.exists()
    assert not UserSession.objects.filter(user_id=ada.pk).exists()
    assert not Verification.objects.filter(user_id=ada.pk).exists()
    assert "_auth_user_id" not in signed_in.session
    assert "Signed in as" not in other.get("/").content.decode()  # every session ended
    notice = mailoutbox[-1]
    assert notice.to == ["ada@example.com"] and "deleted" in notice.subject


def test_the_audit_log_keeps_a_pseudonym(signed_in, ada, mailoutbox):
    add_and_verify_email(signed_in, "ada.work@example.com", mailoutbox)
    Client().post("/sign-up/", {"emailAddress": "ada.work@example.com", "password": "x" * 12})
    user_id = ada.pk
    signed_in.post(DELETE, {"confirmation": "delete my account"})
    name = pseudonym(user_id)
    assert name.startswith("deleted-user:") and "ada" not in name
    rows = AuthEvent.objects.all()
    assert rows.filter(kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED, identifier=name).exists()
    assert rows.filter(kind=AuthEvent.Kind.USER_DELETED, identifier=name).exists()
    for row in rows:
        assert "ada" not in row.identifier, row.kind
        assert row.user_id is None
    named = rows.filter(identifier=name)
    assert not named.exclude(kind=AuthEvent.Kind.USER_DELETED).exclude(ip=None).exists()


def test_sign_ups_that_made_the_account_go_too(client, mailoutbox):
    from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

    response = client.post(
        "/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD}
    )
    follow_sign_up(client, response)
    assert SignUpAttempt.objects.filter(email="new@example.com").exists()
    client.post(DELETE, {"confirmation": "delete my account"})
    assert not SignUpAttempt.objects.filter(email="new@example.com").exists()


def test_deleting_needs_a_recent_proof(signed_in, ada):
    clock.advance(RECENT_SECONDS + 1)
    response = signed_in.post(DELETE, {"confirmation": "delete my account"})
    assert response["Location"] == "/user/verify/?redirect_url=%2Fuser%2Fdelete%2F"
    assert User.objects.filter(pk=ada.pk).exists()
    assert signed_in.post(response["Location"], {"password": PASSWORD})["Location"] == DELETE
    assert signed_in.post(DELETE, {"confirmation": "delete my account"})["Location"] == "/"
    assert not User.objects.filter(pk=ada.pk).exists()


def test_the_dashboard_can_forbid_it(signed_in, ada, instance):
    instance(self_deletion_enabled=False)
    assert 'href="/user/delete/"' not in signed_in.get("/user/").content.decode()
    response = signed_in.post(DELETE, {"confirmation": "delete my account"})
    assert response["Location"] == "/user/"
    assert User.objects.filter(pk=ada.pk).exists()


def test_the_deleted_address_is_free_again(signed_in, ada, client):
    signed_in.post(DELETE, {"confirmation": "delete my account"})
    assert error_codes(sign_in(client, "ada@example.com")) == ["form_identifier_not_found"]
    from tests.signup.helpers import NEW_PASSWORD

    response = client.post(
        "/sign-up/", {"emailAddress": "ada@example.com", "password": NEW_PASSWORD}
    )
    assert response["Location"] == "/sign-up/verify-email-address/"


def test_an_admin_deletes_an_account(staff_client, make_user):
    bob = make_user(email="bob@example.com")
    url = f"/admin/authflows/user/{bob.pk}/delete/"
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=bob.pk).exists()
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.USER_DELETED)
    assert event.actor == "admin@example.com"
    assert event.identifier == pseudonym(bob.pk)


def test_an_admin_deletes_several(staff_client, make_user):
    ids = [make_user(email=f"u{n}@example.com").pk for n in range(2)]
    form = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    assert staff_client.post("/admin/authflows/user/", form).status_code == 302
    assert not User.objects.filter(pk__in=ids).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_DELETED).count() == 2


def test_an_admin_removes_an_address(staff_client, make_user):
    bob = make_user(email="bob@example.com", email_verified=True)
    EmailAddress.objects.create(user=bob, email_address="bob.old@example.com", verified=True)
    page = staff_client.get(f"/admin/authflows/user/{bob.pk}/change/").content.decode()
    assert (
        "bob.old@example.com (verified)" in page and "bob@example.com (primary, verified)" in page
    )
    for address in ("bob.old@example.com", "bob@example.com"):
        row = EmailAddress.objects.get(email_address=address)
        url = f"/admin/authflows/emailaddress/{row.pk}/delete/"
        assert staff_client.post(url, {"post": "yes"}).status_code == 302
    bob.refresh_from_db()
    assert bob.email is None and not EmailAddress.objects.filter(user=bob).exists()
    removed = AuthEvent.objects.filter(kind=AuthEvent.Kind.IDENTIFICATION_REMOVED, user=bob)
    assert {e.actor for e in removed} == {"admin@example.com"} and removed.count() == 2


def test_the_confirmation_in_the_pages_language(signed_in, ada):
    page = signed_in.get(DELETE, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Geben Sie zur Bestätigung „mein Konto löschen“ ein" in page
    response = signed_in.post(
        DELETE, {"confirmation": "Mein Konto löschen"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=ada.pk).exists()
