"""Journeys that cross flows: sign-up into the setup-mfa task, a forgotten password that
revokes trust so the next password sign-in asks for a code again, and passwordless sign-in
that needs no client-trust step."""

from __future__ import annotations

import pytest

from authflows.models import TrustedClient, User
from tests.conftest import PASSWORD, last_code, page_status, sign_in
from tests.mfa.conftest import app_code, shown_secret
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db


def test_sign_up_with_require_mfa_opens_the_task_then_continues(client, instance, mailoutbox):
    instance(mfa_required=True)
    start = client.post(
        "/sign-up/",
        {"emailAddress": "newbie@example.com", "password": NEW_PASSWORD, "redirect_url": "/user/"},
    )
    response = follow_sign_up(client, start)
    assert response["Location"] == "/sign-in/tasks/setup-mfa/"
    assert "_auth_user_id" not in client.session
    # While the task is pending the session counts as signed out: the account page sends
    # the browser back to the task.
    assert client.get("/user/")["Location"] == "/sign-in/tasks/setup-mfa/"

    task = client.get("/sign-in/tasks/setup-mfa/")
    assert page_status(task) == "setup-mfa"
    secret = shown_secret(task.content.decode())
    done = client.post("/sign-in/tasks/setup-mfa/", {"method": "totp", "code": app_code(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/user/"
    user = User.objects.get(email="newbie@example.com")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_reset_password_revokes_trust_so_the_next_sign_in_asks_again(client, user, mailoutbox):
    # Trust this browser through the client-trust step.
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/client-trust/"
    client.get("/sign-in/client-trust/")
    client.post("/sign-in/client-trust/", {"code": last_code(mailoutbox[-1].body)})
    assert TrustedClient.objects.filter(user=user).count() == 1
    client.post("/sign-out/")

    # Forgot password: code by email, then the new password.
    assert page_status(client.get("/sign-in/reset-password/")) == "needs_identifier"
    client.post("/sign-in/reset-password/", {"identifier": "ada@example.com"})
    client.get("/sign-in/reset-password/")
    response = client.post("/sign-in/reset-password/", {"code": last_code(mailoutbox[-1].body)})
    assert response.status_code == 302
    page = client.get("/sign-in/reset-password/")
    assert page_status(page) == "needs_new_password"
    client.post("/sign-in/reset-password/", {"password": NEW_PASSWORD})
    client.get("/sign-in/reset-password/")
    assert not TrustedClient.objects.filter(user=user).exists()
    client.post("/sign-out/")

    # The old password is gone; the new one needs the client-trust code again.
    assert sign_in(client, "ada@example.com", PASSWORD).status_code == 400
    assert sign_in(client, "ada@example.com", NEW_PASSWORD)["Location"] == "/sign-in/client-trust/"


def test_email_code_sign_in_on_a_new_browser_needs_no_trust_step(client, user, mailoutbox):
    client.post("/sign-in/", {"identifier": "ada@example.com", "action": "passwordless"})
    client.get("/sign-in/factor-one/")
    response = client.post(
        "/sign-in/factor-one/",
        {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)},
    )
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk
