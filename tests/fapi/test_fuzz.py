"""Whatever a client posts to the Frontend API, the answer is JSON and never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fapi.conftest import Fapi

pytestmark = pytest.mark.django_db

PATHS = [
    "client/sign_ins",
    "client/sign_ins/sia_x/prepare_first_factor",
    "client/sign_ins/sia_x/attempt_second_factor",
    "client/sign_ups",
    "client/sign_ups/sua_x/attempt_verification",
    "client/sessions/sess_x/tokens",
    "client/sessions",
]
NAMES = [
    "identifier",
    "password",
    "strategy",
    "code",
    "email_address",
    "legal_accepted",
    "email_address_id",
    "redirect_url",
    "phone_number",
    "username",
    "first_name",
]
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "password",
            "email_code",
            "totp",
            "reset_password_email_code",
            "ada@example.com",
            "+14155550123",
            "true",
        ]
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(["", "PATCH", "DELETE", "PUT", "GET", "x"]),
    fields=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=6),
)
def test_any_post_is_answered_in_json(user, path, method, fields):
    fapi = Fapi(Client(enforce_csrf_checks=True))
    fields = {k: v.replace("\x00", "") for k, v in fields.items()}
    response = fapi.post(path, method, **fields)
    assert response.status_code < 500, (path, method, fields, response.content[:300])
    assert response["Content-Type"] == "application/json"
