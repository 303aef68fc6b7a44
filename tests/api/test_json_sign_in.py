"""The JSON API over the sign-in flow: the same flow calls as the pages, so the same
statuses, refusals (Clerk's error objects), protections and client cookie."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from authflows.models import TrustedClient
from tests.conftest import PASSWORD, last_code

pytestmark = pytest.mark.django_db


def api(client: Client, path: str, **fields: str):  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/sign-in/{path}", json.dumps(fields), content_type="application/json"
    )
    return response.status_code, response.json()


def state(client: Client) -> dict:  # type: ignore[type-arg]
    return client.get("/api/sign-in/").json()


def test_no_attempt_needs_an_identifier(client):
    assert state(client)["status"] == "needs_identifier"
    assert state(client)["signed_in"] is False


def test_password_on_a_new_device_then_the_emailed_code(client, user, mailoutbox):
    status, body = api(client, "start/", identifier="ada@example.com", password=PASSWORD)
    assert status == 200
    assert body["status"] == "needs_client_trust"
    assert body["supported_second_factors"] == ["email_code"]
    status, body = api(client, "attempt/", action="prepare", strategy="email_code")
    assert status == 200 and len(mailoutbox) == 1
    status, body = api(
        client,
        "attempt/",
        action="attempt",
        strategy="email_code",
        code=last_code(mailoutbox[-1].body),
    )
    assert (status, body["status"], body["signed_in"]) == (200, "complete", True)
    assert client.get("/user/").status_code == 200  # the same session as the pages
    assert TrustedClient.objects.filter(user=user).exists()


def test_the_same_attempt_on_the_pages_and_the_api(client, user, mailoutbox):
    """One client cookie identifies the device to both: an attempt begun by the API is the
    one the pages continue."""
    api(client, "start/", identifier="ada@example.com", password=PASSWORD)
    page = client.get("/sign-in/client-trust/")
    assert page.status_code == 200
    response = client.post("/sign-in/client-trust/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/"
    assert state(client)["status"] == "needs_identifier"


def test_refusals_are_clerk_error_objects(client, user):
    status, body = api(client, "start/", identifier="ada@example.com", password="wrong-password-1")
    assert status == 422
    assert body == {
        "errors": [
            {
                "code": "form_password_incorrect",
                "message": "Password is incorrect. Try again, or use another method.",
                "meta": {"param_name": "password"},
            }
        ]
    }
    status, body = api(client, "attempt/", action="attempt", strategy="email_code", code="1")
    assert (status, body["errors"][0]["code"]) == (400, "sign_in_expired")


def test_a_wrong_code_counts_like_on_the_pages(client, user, instance, mailoutbox):
    instance(lockout_max_attempts=5)
    api(client, "start/", identifier="ada@example.com", password=PASSWORD)
    api(client, "attempt/", action="prepare", strategy="email_code")
    codes = [
        api(client, "attempt/", action="attempt", strategy="email_code", code="000000")[1][
            "errors"
        ][0]["code"]
        for _ in range(5)
    ]
    assert codes[:4] == ["form_code_incorrect"] * 4
    _status, body = api(client, "start/", identifier="ada@example.com", password=PASSWORD)
    assert body["errors"][0]["code"] == "user_locked"


def test_a_post_without_the_csrf_token_is_refused(user):
    browser = Client(enforce_csrf_checks=True)
    status = browser.post(
        "/api/sign-in/start/",
        json.dumps({"identifier": "ada@example.com", "password": PASSWORD}),
        content_type="application/json",
    ).status_code
    assert status == 403


@pytest.mark.ratelimit
def test_over_a_limit_the_answer_is_json_429(client, user):
    for _ in range(5):
        api(client, "start/", identifier="ada@example.com", password="wrong-password-1")
    response = client.post("/api/sign-in/start/", {"identifier": "ada@example.com"})
    assert response.status_code == 429
    assert response["Retry-After"]
    assert response.json()["errors"][0]["code"] == "too_many_requests"


def test_a_password_json_can_carry_but_utf8_cannot_is_incorrect_not_an_error(client, user):
    """JSON escapes can spell a lone surrogate, which no password was ever hashed from."""
    body = '{"identifier": "ada@example.com", "password": "x\\ud800"}'
    response = client.post("/api/sign-in/start/", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "form_password_incorrect"
    assert api(client, "start/", identifier="ada@example.com", password=PASSWORD)[0] == 200


def test_malformed_bodies_are_refused_not_errors(client, user):
    for body in ("not json", "[1, 2]", '{"identifier": {"nested": 1}}'):
        response = client.post("/api/sign-in/start/", body, content_type="application/json")
        assert response.status_code in (400, 422), body
        assert response.json()["errors"]
