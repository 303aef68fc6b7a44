"""Password sign-in at /sign-in/: each transition and error code."""

from __future__ import annotations

import pytest

from authflows.models import SignInAttempt, TrustedClient
from tests.conftest import PASSWORD, error_codes, page_status, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    instance(client_trust=False)


def test_sign_in_page_has_the_seed_labels(client):
    response = client.get("/sign-in/")
    html = response.content.decode()
    assert response.status_code == 200
    assert page_status(response) == "needs_identifier"
    for label in ("Sign in", "Enter email address", "Enter password", "Continue"):
        assert label in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_correct_password_signs_in_and_rotates_session(client, user):
    client.get("/sign-in/")
    client.session.save()
    before = client.session.session_key
    response = sign_in(client, "ada@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == user.pk
    home = client.get("/")
    assert "Signed in as" in home.content.decode()


@pytest.mark.parametrize("field", ["identifier", "email"])
def test_email_field_names_of_the_seed_examples(client, user, field):
    response = client.post("/sign-in/", {field: "ADA@Example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_phone_number_field_when_phone_sign_in_is_on(client, make_user, instance):
    instance(phone_sign_in=True)
    make_user(email="p@example.com", phone="+14155550123")
    response = client.post("/sign-in/", {"phoneNumber": "+1 415 555 0123", "password": PASSWORD})
    assert response.status_code == 302


def test_username_refused_when_username_sign_in_is_off(client, make_user):
    make_user(username="ada_l")
    response = client.post("/sign-in/", {"identifier": "ada_l", "password": PASSWORD})
    assert response.status_code == 400
    assert error_codes(response) == ["form_param_format_invalid"]


def test_username_accepted_when_on(client, make_user, instance):
    instance(username_sign_in=True)
    make_user(username="ada_l")
    assert sign_in(client, "Ada_L").status_code == 302


def test_wrong_password(client, user):
    response = sign_in(client, "ada@example.com", "not-the-password")
    assert response.status_code == 400
    assert error_codes(response) == ["form_password_incorrect"]
    assert "_auth_user_id" not in client.session
    assert 'id="password-error"' in response.content.decode()


def test_unknown_identifier(client, db):
    response = sign_in(client, "ghost@example.com")
    assert error_codes(response) == ["form_identifier_not_found"]
    assert 'id="identifier-error"' in response.content.decode()


def test_strict_enumeration_protection_gives_one_answer(client, user, instance):
    instance(enumeration_protection="strict")
    unknown = sign_in(client, "ghost@example.com")
    wrong = sign_in(client, "ada@example.com", "not-the-password")
    assert error_codes(unknown) == error_codes(wrong) == ["form_password_or_identifier_incorrect"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"identifier": "", "password": "x"}, "form_param_missing"),
        ({"identifier": "ada@example.com", "password": ""}, "form_param_missing"),
        ({"identifier": "not an email@", "password": "x"}, "form_param_format_invalid"),
        ({"identifier": "a" * 400, "password": "x"}, "form_param_format_invalid"),
    ],
)
def test_bad_input_names_the_field(client, user, data, code):
    response = client.post("/sign-in/", data)
    assert response.status_code == 400
    assert code in error_codes(response)


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user(is_active=False)
    assert error_codes(sign_in(client, "ada@example.com")) == ["form_identifier_not_found"]


def test_complete_attempt_cannot_be_replayed(client, user):
    sign_in(client, "ada@example.com")
    client.post("/sign-out/")
    # The old attempt is complete; factor pages send the browser back to /sign-in/.
    response = client.get("/sign-in/client-trust/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"


def test_post_while_signed_in_is_session_exists(client, user):
    sign_in(client, "ada@example.com")
    response = sign_in(client, "ada@example.com")
    assert error_codes(response) == ["session_exists"]


def test_sign_out_keeps_client_and_trust(client, user, instance):
    instance(client_trust=True)
    TrustedClient.objects.all().delete()
    sign_in(client, "ada@example.com")
    cookie = client.cookies["authflows_client"].value
    assert SignInAttempt.objects.count() == 1
    client.post("/sign-out/")
    assert "_auth_user_id" not in client.session
    assert client.cookies["authflows_client"].value == cookie
