"""At most 8 queries per request on every step of a password sign-in (SPEC: query budget)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, error_codes, sign_in

pytestmark = pytest.mark.django_db
BUDGET = 8


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    instance(client_trust=False)


def test_form_get_from_a_fresh_browser(client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert client.get("/sign-in/").status_code == 200


def test_form_get_with_a_cold_settings_cache(client, user, django_assert_max_num_queries):
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(BUDGET):
        assert client.get("/sign-in/").status_code == 200


def test_successful_post_from_a_new_browser(client, user, django_assert_max_num_queries):
    client.get("/sign-in/")
    with django_assert_max_num_queries(BUDGET):
        assert sign_in(client, "ada@example.com").status_code == 302


def test_successful_post_from_a_known_browser(client, user, django_assert_max_num_queries):
    sign_in(client, "ada@example.com")
    client.post("/sign-out/")
    with django_assert_max_num_queries(BUDGET):
        assert sign_in(client, "ada@example.com").status_code == 302


@pytest.mark.parametrize(
    ("identifier", "password", "code"),
    [
        ("ada@example.com", "wrong-password", "form_password_incorrect"),
        ("ghost@example.com", PASSWORD, "form_identifier_not_found"),
        ("not an address@", PASSWORD, "form_param_format_invalid"),
    ],
)
def test_refused_post(client, user, django_assert_max_num_queries, identifier, password, code):
    with django_assert_max_num_queries(BUDGET):
        response = sign_in(client, identifier, password)
    assert error_codes(response) == [code]


def test_landing_page_after_sign_in(client, user, django_assert_max_num_queries):
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(BUDGET):
        response = client.get("/")
    assert "Signed in as" in response.content.decode()


def test_sign_out(client, user, django_assert_max_num_queries):
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(BUDGET):
        assert client.post("/sign-out/").status_code == 302


def test_account_page_and_password_change(client, user, django_assert_max_num_queries):
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(BUDGET):
        assert client.get("/user/").status_code == 200
    data = {"current_password": PASSWORD, "new_password": "another-long-passphrase-17"}
    with django_assert_max_num_queries(BUDGET):
        assert client.post("/user/password/", data).status_code == 302
