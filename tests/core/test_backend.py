"""The backend that loads the signed-in user on every request (one compiled statement)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authflows.backends import AuthflowsBackend
from tests.core.helpers import complete_sign_in

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_is_one_statement(make_user):
    ada = make_user()
    with CaptureQueriesContext(connection) as queries:
        found = AuthflowsBackend().get_user(ada.pk)
    assert len(queries) == 1
    assert found is not None and (found.pk, found.email) == (ada.pk, "ada@example.com")
    assert found.password == ada.password and found.is_active


def test_a_deactivated_or_deleted_user_is_nobody(make_user):
    ada = make_user()
    ada.is_active = False
    ada.save(update_fields=["is_active"])
    assert AuthflowsBackend().get_user(ada.pk) is None
    assert AuthflowsBackend().get_user(ada.pk + 1000) is None


def test_a_deactivated_user_is_signed_out_of_the_next_request(client, make_user, mailoutbox):
    ada = make_user(email_verified=True)
    assert complete_sign_in(client, "ada@example.com", mailoutbox)["Location"] == "/"
    assert b"Signed in as" in client.get("/").content
    ada.is_active = False
    ada.save(update_fields=["is_active"])
    assert b"Signed in as" not in client.get("/").content
