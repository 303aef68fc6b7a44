"""Sign-in with identity providers through Clerk's Frontend API, as Clerk's SDK drives it
(`signIn.authenticateWithRedirect()` / `signIn.sso()`, then `handleRedirectCallback()` on its
callback page), against panva's oidc-provider on loopback: the provider's URL read from
`first_factor_verification`, the pages' own callback, GET /client for the outcome, and
`signUp.create({transfer: true})` for a provider account without a user."""

from __future__ import annotations

import base64
from typing import Any

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.flows import clerk_ids
from authflows.models import AuthEvent, ExternalAccount, SSOState, User
from tests.fapi.conftest import Fapi, refusal
from tests.sso.conftest import back, sign_in_with

CALLBACK = "http://testserver/sso-callback"
AFTER = "http://testserver/dashboard"


@pytest.fixture
def sdk() -> Fapi:
    return Fapi(Client(enforce_csrf_checks=True))


@pytest.fixture
def other_sdk() -> Fapi:
    return Fapi(Client(enforce_csrf_checks=True))


def authenticate_with_redirect(sdk: Fapi, strategy: str = "oauth_test", **fields: str) -> Any:
    """signIn.authenticateWithRedirect({strategy, redirectUrl, redirectUrlComplete})."""
    body = {"strategy": strategy, "redirect_url": CALLBACK, "action_complete_redirect_url": AFTER}
    return sdk.post("client/sign_ins", **{**body, **fields})


def provider_url(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    sign_in = response.json()["response"]
    assert sign_in["status"] == "needs_first_factor"
    verification = sign_in["first_factor_verification"]
    assert verification["status"] == "unverified"
    return str(verification["external_verification_redirect_url"])


def client_json(sdk: Fapi) -> dict[str, Any]:
    response = sdk.get("client")
    assert response.status_code == 200
    return dict(response.json()["response"])


def sessions_of(sdk: Fapi) -> list[Any]:
    response = sdk.get("client").json()["response"]
    return list(response["sessions"]) if response else []


def linked_user(client: Client, idp: Any) -> User:
    """newbie signs up with the provider on the pages (another browser)."""
    sign_in_with(client, idp, "newbie")
    client.get("/sign-up/complete/")
    return User.objects.get(email="newbie@example.com")


def test_environment_offers_the_enabled_connections(sdk, connection):
    connection(slug="test", name="Test IdP")
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    connection(slug="other", name="Off", enabled=False)
    settings = sdk.get("environment").json()["user_settings"]
    assert list(settings["social"]) == ["oauth_test"]  # enterprise and disabled ones are not
    entry = settings["social"]["oauth_test"]
    assert (entry["enabled"], entry["strategy"], entry["name"]) == (True, "oauth_test", "Test IdP")
    assert settings["enterprise_sso"] == {"enabled": True}


def test_environment_without_connections(sdk, db):
    settings = sdk.get("environment").json()["user_settings"]
    assert settings["social"] == {} and settings["enterprise_sso"] == {"enabled": False}


def test_linked_user_signs_in_through_the_sdk(sdk, client, connection, idp):
    connection()
    user = linked_user(client, idp)
    url = provider_url(authenticate_with_redirect(sdk))
    assert url.startswith(idp.issuer + "/auth?") and "code_challenge=" in url
    assert SSOState.objects.filter(consumed_at__isnull=True).count() == 1

    response = back(sdk.client, idp.sign_in(url, "newbie"))
    assert response.status_code == 302 and response["Location"] == CALLBACK

    # handleRedirectCallback(): the client shows the sign-in complete and its session.
    state = client_json(sdk)
    sign_in, session = state["sign_in"], state["sessions"][0]
    assert sign_in["status"] == "complete"
    assert sign_in["created_session_id"] == session["id"] == state["last_active_session_id"]
    assert sign_in["first_factor_verification"]["status"] == "verified"
    assert sign_in["first_factor_verification"]["strategy"] == "oauth_test"
    assert session["user"]["email_addresses"][0]["email_address"] == user.email
    touched = sdk.post(f"client/sessions/{session['id']}/touch", intent="select_session")
    assert touched.status_code == 200 and touched.json()["response"]["status"] == "active"
    assert sdk.client.get("/user/").status_code == 200  # the pages share the session
    event = AuthEvent.objects.filter(kind="sign_in.succeeded").latest("id")
    assert event.user == user and event.data["strategy"] == "oauth_custom"


def test_new_identity_transfers_to_sign_up(sdk, connection, idp):
    connection()
    url = provider_url(authenticate_with_redirect(sdk))
    response = back(sdk.client, idp.sign_in(url, "newbie"))
    assert response["Location"] == CALLBACK
    assert not User.objects.exists()  # nothing is created before the SDK asks

    sign_in = client_json(sdk)["sign_in"]
    assert sign_in["status"] == "needs_first_factor" and sign_in["supported_first_factors"] == []
    assert sign_in["first_factor_verification"]["status"] == "transferable"

    created = sdk.post("client/sign_ups", transfer="true")
    assert created.status_code == 200, created.content[:500]
    sign_up = created.json()["response"]
    assert sign_up["status"] == "complete" and sign_up["created_session_id"]
    user = User.objects.get(email="newbie@example.com")
    assert sign_up["created_user_id"] == clerk_ids.user_id(user.pk)
    assert user.email_verified and (user.first_name, user.last_name) == ("Nina", "Newman")
    assert not user.has_usable_password()
    assert ExternalAccount.objects.get(user=user).subject == "sub-newbie"
    state = client_json(sdk)
    assert state["sessions"][0]["id"] == sign_up["created_session_id"]
    assert state["sign_in"] is None
    again = sdk.post("client/sign_ups", transfer="true")
    assert refusal(again)[1] == "session_exists"


def test_enterprise_sso_by_email_domain(sdk, connection, idp, make_user):
    user = make_user(email="grace@acme.test")
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    created = authenticate_with_redirect(sdk, "enterprise_sso", identifier="grace@acme.test")
    first = provider_url(created)
    sign_in = created.json()["response"]
    assert sign_in["supported_first_factors"] == [{"strategy": "enterprise_sso"}]
    # signIn.sso() then prepares the factor with the same URLs: the same round trip.
    prepared = sdk.step(
        sign_in,
        "prepare_first_factor",
        strategy="enterprise_sso",
        redirect_url=CALLBACK,
        action_complete_redirect_url=AFTER,
    )
    url = provider_url(prepared)
    assert url == first and url.startswith(idp.issuer + "/auth?")

    assert back(sdk.client, idp.sign_in(url, "grace"))["Location"] == CALLBACK
    state = client_json(sdk)
    assert state["sign_in"]["status"] == "complete"
    assert state["sessions"][0]["user"]["id"] == clerk_ids.user_id(user.pk)
    event = AuthEvent.objects.get(kind="sign_in.succeeded", user=user)
    assert event.data["strategy"] == "enterprise_sso"


@pytest.mark.parametrize(
    ("fields", "code", "param"),
    [
        ({"strategy": "oauth_nope"}, "connection_not_found", "strategy"),
        ({"strategy": "oauth_other"}, "connection_not_found", "strategy"),  # disabled
        ({"strategy": "oauth_acme-oidc"}, "connection_not_found", "strategy"),  # enterprise
        (
            {"strategy": "enterprise_sso", "identifier": "ada@example.com"},
            "connection_not_found",
            "identifier",
        ),
        ({"redirect_url": "https://evil.test/cb"}, "form_param_value_invalid", "redirect_url"),
        ({"redirect_url": "//evil.test/cb"}, "form_param_value_invalid", "redirect_url"),
        (
            {"action_complete_redirect_url": "https://evil.test/"},
            "form_param_value_invalid",
            "action_complete_redirect_url",
        ),
        ({"redirect_url": ""}, "form_param_missing", "redirect_url"),
    ],
)
def test_refusals_in_clerks_shape(sdk, connection, fields, code, param):
    connection()
    connection(slug="other", enabled=False)
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    status, got, name = refusal(authenticate_with_redirect(sdk, **fields))
    assert (status, got, name) == (422, code, param)
    assert not SSOState.objects.exists()


def test_state_from_another_client_is_refused(sdk, other_sdk, connection, idp):
    connection()
    url = provider_url(authenticate_with_redirect(sdk))
    returned = idp.sign_in(url, "newbie")
    stolen = back(other_sdk.client, returned)
    assert stolen.status_code == 302 and stolen["Location"] == "/sign-in/"
    assert sessions_of(other_sdk) == []
    assert AuthEvent.objects.filter(kind="sso.failed", data__reason="oauth_state_invalid").exists()
    # The SDK's own browser still finishes its round trip.
    assert back(sdk.client, returned)["Location"] == CALLBACK
    assert client_json(sdk)["sign_in"]["first_factor_verification"]["status"] == "transferable"


def test_transfer_without_a_provider_account_is_refused(sdk, db):
    assert refusal(sdk.post("client/sign_ups", transfer="true")) == (
        422,
        "form_param_value_invalid",
        "transfer",
    )


def test_signed_in_browser_cannot_start_another(sdk, client, connection, idp):
    connection()
    linked_user(client, idp)
    url = provider_url(authenticate_with_redirect(sdk))
    back(sdk.client, idp.sign_in(url, "newbie"))
    assert refusal(authenticate_with_redirect(sdk))[:2] == (400, "session_exists")


def test_mfa_still_applies_through_the_sdk(sdk, connection, idp, user):
    """ada's verified address links to her account; her authenticator app is still asked
    for, through attempt_second_factor as after a password."""
    connection(link_verified_email=True)
    key = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.create(user=user, name="app", key=key, confirmed=True)
    url = provider_url(authenticate_with_redirect(sdk))
    assert back(sdk.client, idp.sign_in(url, "ada"))["Location"] == CALLBACK
    state = client_json(sdk)
    sign_in = state["sign_in"]
    assert state["sessions"] == [] and sign_in["status"] == "needs_second_factor"
    assert [f["strategy"] for f in sign_in["supported_second_factors"]] == ["totp"]
    assert ExternalAccount.objects.get().user == user
    totp = pyotp.TOTP(base64.b32encode(bytes.fromhex(key)).decode())
    code = totp.at(int(clock.now().timestamp()))
    done = sdk.step(sign_in, "attempt_second_factor", strategy="totp", code=code).json()
    assert done["response"]["status"] == "complete"
    assert done["response"]["created_session_id"] == done["client"]["sessions"][0]["id"]


def test_transfer_asks_only_for_what_the_dashboard_still_requires(sdk, connection, idp, instance):
    instance(username_sign_up=True)
    connection()
    url = provider_url(authenticate_with_redirect(sdk))
    back(sdk.client, idp.sign_in(url, "newbie"))
    sign_up = sdk.post("client/sign_ups", transfer="true").json()["response"]
    assert sign_up["status"] == "missing_requirements"
    assert sign_up["missing_fields"] == ["username"] and sign_up["unverified_fields"] == []
    assert sign_up["email_address"] == "newbie@example.com"
    assert not User.objects.exists()
    done = sdk.patch(f"client/sign_ups/{sign_up['id']}", username="nina").json()["response"]
    assert done["status"] == "complete" and done["created_session_id"]
    user = User.objects.get(username="nina")
    assert ExternalAccount.objects.get().user == user and user.email == "newbie@example.com"
