"""Enterprise connections through OpenID Connect: an address at the connection's domain goes
to that provider only, and the provider speaks for that domain alone."""

from __future__ import annotations

from authflows.models import AuthEvent, ExternalAccount, User
from tests.sso.conftest import back, forward_url


def leave(browser, email: str) -> str:  # type: ignore[no-untyped-def]
    browser.get("/sign-in/")
    return forward_url(browser, browser.post("/sign-in/", {"identifier": email, "password": ""}))


def test_domain_goes_to_its_provider_and_creates_the_user(client, connection, idp):
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    url = leave(client, "Grace@ACME.test")
    assert url.startswith(idp.issuer + "/auth?")
    response = back(client, idp.sign_in(url, "grace"))
    assert response["Location"] == "/sign-up/complete/"
    client.get(response["Location"])
    user = User.objects.get(email="grace@acme.test")
    # The provider did not say "verified", but it is the authority for its own domain.
    assert user.email_verified
    assert ExternalAccount.objects.get().user == user
    event = AuthEvent.objects.get(kind="sso.started")
    assert event.data["connection"] == "acme-oidc"


def test_existing_user_signs_in_with_strategy_enterprise_sso(client, connection, idp, make_user):
    user = make_user(email="grace@acme.test")
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    response = back(client, idp.sign_in(leave(client, "grace@acme.test"), "grace"))
    assert response["Location"] == "/"
    assert AuthEvent.objects.get(kind="sign_in.succeeded", user=user).data["strategy"] == (
        "enterprise_sso"
    )


def test_the_provider_cannot_sign_in_another_domain(client, connection, idp, make_user):
    make_user(email="eve@elsewhere.test")
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    response = back(client, idp.sign_in(leave(client, "grace@acme.test"), "eve"))
    assert response["Location"] == "/sign-in/"
    assert not ExternalAccount.objects.exists()
    failed = AuthEvent.objects.get(kind="sso.failed")
    assert failed.data["reason"] == "enterprise_sso_email_address_domain_mismatch"


def test_enterprise_connections_are_not_social_buttons(client, connection, idp):
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    page = client.get("/sign-in/").content.decode()
    assert "Continue with Acme" not in page
    response = client.get("/sso/start/acme-oidc/")
    assert response["Location"] == "/sign-in/"


def test_a_turned_off_connection_leaves_the_domain_to_passwords(client, connection, idp, make_user):
    make_user(email="grace@acme.test")
    row = connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    row.enabled = False
    row.save()
    response = client.post("/sign-in/", {"identifier": "grace@acme.test", "password": "nope-nope"})
    assert response.status_code == 400  # the password form answered


def test_the_json_api_sends_the_address_to_its_provider_only(client, connection, idp, make_user):
    import json

    make_user(email="grace@acme.test")
    connection(slug="acme-oidc", name="Acme", domains=("acme.test",))
    body = {"identifier": "grace@acme.test", "password": "a-long-and-unusual-passphrase-93"}
    response = client.post("/api/sign-in/start/", json.dumps(body), content_type="application/json")
    data = response.json()
    assert response.status_code == 200, data
    assert data["status"] == "needs_first_factor" and data["signed_in"] is False
    assert data["supported_first_factors"] == ["enterprise_sso"]
    url = data["external_verification_redirect_url"]
    assert url.startswith(idp.issuer + "/auth?")
    assert back(client, idp.sign_in(url, "grace"))["Location"] == "/"
