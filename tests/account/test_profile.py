"""The profile on /user/: first and last name, username, with the Dashboard's rules."""

from __future__ import annotations

import pytest

from authflows.models import AuthEvent, User
from tests.conftest import error_codes
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db


def save(browser, **fields: str):  # type: ignore[no-untyped-def]
    return browser.post("/user/profile/", fields)


def test_names_entered_at_sign_up_are_shown_and_editable(client, instance, mailoutbox):
    instance(name_sign_up=True)
    response = client.post(
        "/sign-up/",
        {
            "emailAddress": "grace@example.com",
            "password": NEW_PASSWORD,
            "firstName": "Grace",
            "lastName": "Hopper",
        },
    )
    follow_sign_up(client, response)
    page = client.get("/user/").content.decode()
    assert 'id="firstName" name="firstName" type="text" value="Grace"' in page
    assert 'id="lastName" name="lastName" type="text" value="Hopper"' in page
    response = save(client, firstName="Grace B.", lastName="Hopper")
    assert response.status_code == 302 and response["Location"] == "/user/#profile"
    user = User.objects.get(email="grace@example.com")
    assert (user.first_name, user.last_name) == ("Grace B.", "Hopper")
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.USER_UPDATED, user=user)
    assert event.data == {"fields": ["first_name"]}


def test_required_names_cannot_be_emptied(signed_in, ada, instance):
    instance(name_sign_up=True, name_required=True)
    response = save(signed_in, firstName="", lastName="Lovelace")
    assert response.status_code == 400
    assert error_codes(response) == ["form_param_missing"]
    assert 'id="lastName" name="lastName" type="text" value="Lovelace"' in response.content.decode()
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name) == ("", "")


def test_optional_names_can_be_emptied(signed_in, ada, instance):
    instance(name_sign_up=True)
    User.objects.filter(pk=ada.pk).update(first_name="Ada", last_name="Lovelace")
    assert save(signed_in, firstName="", lastName="").status_code == 302
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name) == ("", "")


def test_no_profile_form_when_the_dashboard_asks_for_nothing(signed_in):
    page = signed_in.get("/user/").content.decode()
    assert 'action="/user/profile/"' not in page


def test_username_rules(signed_in, ada, instance, make_user):
    instance(username_sign_up=True, username_sign_in=True)
    make_user(email="bob@example.com", username="bobby")
    assert error_codes(save(signed_in, username="")) == ["form_param_missing"]
    assert error_codes(save(signed_in, username="abc")) == ["form_username_invalid_length"]
    assert error_codes(save(signed_in, username="ada!")) == ["form_username_invalid_character"]
    assert error_codes(save(signed_in, username="BOBBY")) == ["form_identifier_exists"]
    assert save(signed_in, username="Ada_L").status_code == 302
    ada.refresh_from_db()
    assert ada.username == "ada_l"
    signed_in.post("/sign-out/")
    from tests.conftest import sign_in

    assert sign_in(signed_in, "ada_l")["Location"] == "/"


def test_the_username_stays_when_it_is_the_last_way_to_sign_in(client, instance, make_user):
    instance(username_sign_in=True, client_trust=False)
    user = make_user(email=None, username="lonely")
    from tests.conftest import sign_in

    assert sign_in(client, "lonely")["Location"] == "/"
    response = save(client, username="")
    assert error_codes(response) == ["identification_deletion_not_allowed"]
    user.refresh_from_db()
    assert user.username == "lonely"
