"""The sign-in form's seed field names (`email`, `phoneNumber`) show their errors on the
identifier field, where the page can display them."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, error_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "data",
    [
        {"email": "ada@example.com\x00", "password": PASSWORD},
        {"email": "a" * 400 + "@example.com", "password": PASSWORD},
        {"phoneNumber": "+1" + "5" * 80, "password": PASSWORD},
    ],
)
def test_alias_field_errors_are_shown_on_the_identifier(client, user, data):
    response = client.post("/sign-in/", data)
    assert response.status_code == 400
    assert error_codes(response) == ["form_param_format_invalid"]
    assert 'id="identifier-error"' in response.content.decode()


def test_password_over_256_characters_is_refused_on_the_password_field(client, user):
    response = client.post("/sign-in/", {"identifier": "ada@example.com", "password": "x" * 257})
    assert error_codes(response) == ["form_param_format_invalid"]
    assert 'id="password-error"' in response.content.decode()
