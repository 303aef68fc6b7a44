"""No 500 from anything a user can type into the sign-up, factor-one and reset pages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signup.helpers import NEW_PASSWORD

pytestmark = pytest.mark.django_db

FIELDS = ["emailAddress", "phoneNumber", "username", "password", "firstName", "lastName"]
text = st.text(max_size=80)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), text))
def test_sign_up_start_never_fails(client, instance, data):
    instance(phone_sign_up=True, phone_sign_in=True, username_sign_up=True, name_sign_up=True)
    response = client.post("/sign-up/", data)
    assert response.status_code in (200, 302, 400)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(code=text, action=st.sampled_from(["", "verify", "resend", "check", "x"]))
def test_verify_pages_never_fail(client, mailoutbox, code, action):
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    response = client.post("/sign-up/verify-email-address/", {"code": code, "action": action})
    assert response.status_code in (200, 302, 400)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    identifier=text,
    code=text,
    strategy=st.sampled_from(["", "email_code", "password", "totp", "x"]),
)
def test_factor_one_and_reset_never_fail(client, user, identifier, code, strategy):
    assert client.post(
        "/sign-in/", {"identifier": identifier, "action": "passwordless"}
    ).status_code in (302, 400)
    response = client.post(
        "/sign-in/factor-one/", {"strategy": strategy, "code": code, "password": code}
    )
    assert response.status_code in (200, 302, 400)
    assert client.post("/sign-in/reset-password/", {"identifier": identifier}).status_code in (
        302,
        400,
    )
    response = client.post("/sign-in/reset-password/", {"code": code, "password": code})
    assert response.status_code in (200, 302, 400)
