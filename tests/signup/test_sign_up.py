"""Sign-up at /sign-up/: the Dashboard's field combinations, progressive collection,
duplicates, strict enumeration protection, abandonment."""

from __future__ import annotations

import pytest

from authflows import clock
from authflows.forms import SignUpForm
from authflows.models import SignUpAttempt, TrustedClient, User
from tests.conftest import error_codes, page_status, sign_in
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db

EMAIL_OFF = {"email_sign_up": False, "email_required": False, "email_sign_in": False}
PHONE_ON = {"phone_sign_up": True, "phone_sign_in": True}
USERNAME_ON = {"username_sign_up": True, "username_sign_in": True}

# (Dashboard, fields on the sign-up page, first post, what the continue page then asks for,
#  second post, the user created)
COMBINATIONS = {
    "email-password": (
        {},
        ["emailAddress", "password"],
        {"emailAddress": "new@example.com"},
        ["password"],
        {"password": NEW_PASSWORD},
        {"email": "new@example.com", "email_verified": True},
    ),
    "email-or-phone-optional": (
        {"email_required": False, **PHONE_ON},
        ["emailAddress", "phoneNumber", "password"],
        {"password": NEW_PASSWORD},
        ["emailAddress"],
        {"phoneNumber": "+1 415 555 0142"},
        {"email": None, "phone": "+14155550142", "phone_verified": True},
    ),
    "phone-required": (
        {**EMAIL_OFF, **PHONE_ON, "phone_required": True},
        ["phoneNumber", "password"],
        {"password": NEW_PASSWORD},
        ["phoneNumber"],
        {"phoneNumber": "+14155550143"},
        {"phone": "+14155550143", "phone_verified": True},
    ),
    "phone-unverified": (
        {**PHONE_ON, "phone_required": True, "phone_verify_at_sign_up": False},
        ["emailAddress", "phoneNumber", "password"],
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD},
        ["phoneNumber"],
        {"phoneNumber": "+14155550144"},
        {"phone": "+14155550144", "phone_verified": False, "email_verified": True},
    ),
    "username-and-email": (
        USERNAME_ON,
        ["emailAddress", "username", "password"],
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD},
        ["username"],
        {"username": "New_Person"},
        {"username": "new_person", "email": "new@example.com"},
    ),
    "username-only": (
        {**EMAIL_OFF, **USERNAME_ON},
        ["username", "password"],
        {"username": "loner"},
        ["password"],
        {"password": NEW_PASSWORD},
        {"username": "loner", "email": None},
    ),
    "names-required": (
        {"name_sign_up": True, "name_required": True},
        ["emailAddress", "password", "firstName", "lastName"],
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD, "firstName": "Grace"},
        ["lastName"],
        {"lastName": "Hopper"},
        {"first_name": "Grace", "last_name": "Hopper"},
    ),
    "names-optional": (
        {"name_sign_up": True},
        ["emailAddress", "password", "firstName", "lastName"],
        {"emailAddress": "new@example.com", "firstName": "Grace"},
        ["password"],
        {"password": NEW_PASSWORD},
        {"first_name": "Grace", "last_name": ""},
    ),
    "legal-consent": (
        {"legal_consent_required": True},
        ["emailAddress", "password", "legalAccepted"],
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD},
        ["legalAccepted"],
        {"legalAccepted": "on"},
        {"email": "new@example.com"},
    ),
}
ALL_FIELDS = [
    "emailAddress",
    "phoneNumber",
    "username",
    "password",
    "firstName",
    "lastName",
    "legalAccepted",
]


def _inputs(response) -> set[str]:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    return {name for name in ALL_FIELDS if f'name="{name}"' in html}


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_each_dashboard_combination(client, instance, mailoutbox, sms_outbox, name):
    dashboard, fields, first, asked, second, expected = COMBINATIONS[name]
    instance(**dashboard)
    page = client.get("/sign-up/")
    assert page.status_code == 200
    assert page_status(page) == "needs_sign_up"
    assert _inputs(page) == set(fields)

    response = client.post("/sign-up/", first)
    assert response["Location"] == "/sign-up/continue/"
    again = client.get("/sign-up/continue/")
    assert page_status(again) == "missing_requirements"
    assert _inputs(again) == set(asked)
    missing = [SignUpForm.FLOW_FIELDS[name] for name in asked]
    assert f'data-missing-fields="{",".join(missing)}"' in again.content.decode()

    response = follow_sign_up(client, client.post("/sign-up/continue/", second))
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    for field, value in expected.items():
        assert getattr(user, field) == value, field
    assert int(client.session["_auth_user_id"]) == user.pk
    assert SignUpAttempt.objects.get().status == "complete"
    assert TrustedClient.objects.filter(user=user).exists()
    assert user.has_usable_password() == ("password" in fields)


@pytest.mark.parametrize("posted", [{}, {"username": "a-field-this-dashboard-has-off"}])
def test_an_empty_sign_up_names_what_is_missing(client, instance, mailoutbox, posted):
    """Nothing usable posted: the page says what is needed instead of moving on silently."""
    instance(password_sign_up=False)
    response = client.post("/sign-up/", posted)
    assert response.status_code == 400
    assert error_codes(response) == ["form_param_missing"]
    assert 'id="emailAddress-error"' in response.content.decode()
    assert not SignUpAttempt.objects.exists()
    response = follow_sign_up(client, client.post("/sign-up/", {"emailAddress": "new@example.com"}))
    assert response["Location"] == "/"
    user = User.objects.get()
    assert (user.email, user.email_verified, user.has_usable_password()) == (
        "new@example.com",
        True,
        False,
    )


def test_legal_consent_is_recorded(client, instance, mailoutbox):
    instance(legal_consent_required=True)
    client.post(
        "/sign-up/",
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD, "legalAccepted": "on"},
    )
    assert SignUpAttempt.objects.get().legal_accepted_at is not None


def test_sign_up_page_labels_and_autocomplete(client, db):
    html = client.get("/sign-up/").content.decode()
    assert "Enter email address" in html
    assert 'autocomplete="new-password"' in html
    assert "Continue" in html


def test_seed_email_field_name_is_accepted(client, mailoutbox, db):
    response = client.post("/sign-up/", {"email": "Seed@Example.com", "password": NEW_PASSWORD})
    assert response["Location"] == "/sign-up/verify-email-address/"
    assert SignUpAttempt.objects.get().email == "seed@example.com"


def test_redirect_url_is_kept(client, mailoutbox, db):
    response = client.post(
        "/sign-up/",
        {"emailAddress": "new@example.com", "password": NEW_PASSWORD, "redirect_url": "/user/"},
    )
    assert follow_sign_up(client, response)["Location"] == "/user/"


def test_no_new_sign_in_notice_after_sign_up(client, mailoutbox, db):
    response = client.post(
        "/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD}
    )
    follow_sign_up(client, response)
    assert len(mailoutbox) == 1  # the verification code only


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"emailAddress": "not-an-email"}, "emailAddress", "form_param_format_invalid"),
        ({"emailAddress": "a@b.c\x00"}, "emailAddress", "form_param_format_invalid"),
        ({"password": "short"}, "password", "form_password_length_too_short"),
        ({"password": "p" * 300}, "password", "form_password_length_too_long"),
        ({"password": "password123"}, "password", "form_password_pwned"),
        ({"password": "73519046281937"}, "password", "form_password_validation_failed"),
    ],
)
def test_invalid_fields_name_the_field(client, db, data, field, code):
    response = client.post("/sign-up/", data)
    assert response.status_code == 400
    assert code in error_codes(response)
    assert f'id="{field}-error"' in response.content.decode()
    assert SignUpAttempt.objects.count() == 0


def test_invalid_phone(client, instance):
    instance(**PHONE_ON)
    response = client.post("/sign-up/", {"phoneNumber": "+1 12"})
    assert error_codes(response) == ["form_param_format_invalid"]


def test_several_errors_at_once(client, instance):
    instance(**USERNAME_ON)
    response = client.post(
        "/sign-up/", {"emailAddress": "nope", "username": "ab", "password": "short"}
    )
    assert sorted(error_codes(response)) == [
        "form_param_format_invalid",
        "form_password_length_too_short",
        "form_username_invalid_length",
    ]


@pytest.mark.parametrize(
    ("dashboard", "data", "field"),
    [
        ({}, {"emailAddress": "ADA@example.com"}, "emailAddress"),
        (PHONE_ON, {"phoneNumber": "+14155550123"}, "phoneNumber"),
        (USERNAME_ON, {"username": "Ada_L"}, "username"),
    ],
)
def test_duplicate_identifier(client, instance, make_user, dashboard, data, field):
    instance(**dashboard)
    make_user(phone="+14155550123", username="ada_l")
    response = client.post("/sign-up/", {**data, "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert error_codes(response) == ["form_identifier_exists"]
    assert f'id="{field}-error"' in response.content.decode()


def test_duplicate_in_continue(client, instance, make_user, mailoutbox):
    instance(**USERNAME_ON)
    make_user(username="taken")
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    response = client.post("/sign-up/continue/", {"username": "taken"})
    assert error_codes(response) == ["form_identifier_exists"]


def test_address_taken_while_verifying(client, make_user, mailoutbox, db):
    """Another account got the address between sign-up start and verification: the unique
    constraint refuses the second account."""
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    client.get("/sign-up/verify-email-address/")
    make_user(email="new@example.com")
    from tests.conftest import last_code

    code = last_code(mailoutbox[-1].body)
    response = client.post("/sign-up/verify-email-address/", {"code": code})
    assert error_codes(response) == ["form_identifier_exists"]
    assert User.objects.count() == 1


# --- strict enumeration protection ----------------------------------------------------------


def test_strict_taken_email_sends_a_notice_and_proceeds_identically(
    client, browser, instance, make_user, mailoutbox
):
    instance(enumeration_protection="strict")
    make_user(email="ada@example.com")
    taken = client.post("/sign-up/", {"emailAddress": "ada@example.com", "password": NEW_PASSWORD})
    free = browser.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"] == "/sign-up/verify-email-address/"
    page_taken = client.get("/sign-up/verify-email-address/")
    page_free = browser.get("/sign-up/verify-email-address/")
    assert page_taken.status_code == page_free.status_code == 200
    notice, code_mail = mailoutbox
    assert notice.to == ["ada@example.com"]
    assert "already has an account" in notice.body
    assert code_mail.to == ["new@example.com"]
    wrong = client.post("/sign-up/verify-email-address/", {"code": "123456"})
    assert error_codes(wrong) == ["form_code_incorrect"]
    assert User.objects.count() == 1


def test_strict_taken_phone_gets_an_sms_notice(client, instance, make_user, sms_outbox):
    instance(enumeration_protection="strict", email_required=False, **PHONE_ON)
    make_user(phone="+14155550123")
    client.post("/sign-up/", {"phoneNumber": "+14155550123", "password": NEW_PASSWORD})
    client.get("/sign-up/verify-phone-number/")
    assert "tried to sign up" in sms_outbox[-1].body


def test_strict_still_refuses_taken_username(client, instance, make_user):
    instance(enumeration_protection="strict", **USERNAME_ON)
    make_user(username="ada_l")
    response = client.post("/sign-up/", {"username": "ada_l"})
    assert error_codes(response) == ["form_identifier_exists"]


# --- attempts -------------------------------------------------------------------------------


def test_abandoned_after_24_hours(client, mailoutbox, db):
    client.post("/sign-up/", {"emailAddress": "new@example.com"})
    clock.advance(24 * 3600 + 1)
    response = client.get("/sign-up/continue/")
    assert response["Location"] == "/sign-up/"
    assert SignUpAttempt.objects.get().status == "abandoned"


def test_abandon_stale_attempts(client, db):
    from authflows.flows.sign_up.attempts import abandon_stale as abandon_stale_attempts

    client.post("/sign-up/", {"emailAddress": "new@example.com"})
    assert abandon_stale_attempts() == 0
    clock.advance(24 * 3600 + 1)
    assert abandon_stale_attempts() == 1


def test_out_of_order_pages_redirect(client, db):
    for path in ("/sign-up/continue/", "/sign-up/verify-email-address/", "/sign-up/complete/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/sign-up/"


def test_another_browser_cannot_use_the_attempt(client, browser, mailoutbox, db):
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    assert browser.get("/sign-up/verify-email-address/")["Location"] == "/sign-up/"


def test_start_over(client, mailoutbox, db):
    client.post("/sign-up/", {"emailAddress": "new@example.com"})
    response = client.post("/sign-up/reset/")
    assert response["Location"] == "/sign-up/"
    assert client.get("/sign-up/continue/")["Location"] == "/sign-up/"


def test_signed_in_user_gets_session_exists(client, user, instance, mailoutbox):
    instance(client_trust=False)
    sign_in(client, "ada@example.com")
    response = client.post("/sign-up/", {"emailAddress": "new@example.com"})
    assert error_codes(response) == ["session_exists"]


def test_sign_up_closed_when_no_identifier_can_sign_up(client, instance):
    instance(email_sign_up=False, email_required=False)
    response = client.get("/sign-up/")
    assert page_status(response) == "sign_up_closed"


def test_refused_field_is_shown_again_on_continue(client, instance, make_user):
    instance(**USERNAME_ON)
    make_user(username="taken")
    client.post("/sign-up/", {"emailAddress": "new@example.com"})
    response = client.post("/sign-up/continue/", {"password": NEW_PASSWORD, "username": "taken"})
    assert error_codes(response) == ["form_identifier_exists"]
    assert 'id="username-error"' in response.content.decode()


@pytest.mark.ratelimit
def test_sign_up_start_is_rate_limited(client, db):
    for _ in range(5):
        assert client.post("/sign-up/", {"emailAddress": "bad"}).status_code == 400
    response = client.post("/sign-up/", {"emailAddress": "bad"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


@pytest.mark.ratelimit
def test_sign_up_verification_is_rate_limited(client, mailoutbox, db):
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    client.get("/sign-up/verify-email-address/")
    codes = [
        client.post("/sign-up/verify-email-address/", {"code": "999999"}).status_code
        for _ in range(4)
    ]
    assert codes[-1] == 429
