"""The protections fit the query budget: at most 8 queries per request."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-at-all"


def test_account_page(signed_in, django_assert_max_num_queries):
    browser = signed_in()
    with django_assert_max_num_queries(8):
        assert browser.get("/user/").status_code == 200


def test_wrong_password(client, user, instance, django_assert_max_num_queries):
    instance(client_trust=False)
    client.get("/sign-in/")
    with django_assert_max_num_queries(8):
        assert sign_in(client, "ada@example.com", WRONG).status_code == 400


def test_locking_failure(client, user, instance, django_assert_max_num_queries):
    instance(client_trust=False)
    for _ in range(9):
        sign_in(client, "ada@example.com", WRONG)
    with django_assert_max_num_queries(8):
        assert sign_in(client, "ada@example.com", WRONG).status_code == 400


def test_locked_answer(client, user, instance, django_assert_max_num_queries):
    instance(client_trust=False)
    for _ in range(10):
        sign_in(client, "ada@example.com", WRONG)
    with django_assert_max_num_queries(8):
        assert sign_in(client, "ada@example.com").status_code == 400


def test_end_other_sessions(signed_in, django_assert_max_num_queries):
    browser = signed_in()
    signed_in()
    with django_assert_max_num_queries(8):
        assert browser.post("/user/sessions/end/", {"session": "others"}).status_code == 302
