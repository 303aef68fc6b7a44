"""Enterprise sign-in by SAML 2.0: the address's domain leads to its IdP only; the IdP is
pysaml2 in this process, signing real responses; python3-saml checks them on the site."""

from __future__ import annotations

import base64
import shutil

import pytest
from django.test import Client

from authflows import clock
from authflows.models import (
    AuthEvent,
    ExternalAccount,
    SAMLAssertionUse,
    SSOConnection,
    SSODomain,
    SSOState,
    User,
)
from tests.fapi.conftest import Fapi
from tests.sso.conftest import forward_url
from tests.sso.saml_idp import ENTITY_ID, SSO_URL, SAMLIdentityProvider, new_folder

ACS = "/sso/saml/acme/acs/"


@pytest.fixture(scope="module")
def saml_idp():
    folder = new_folder()
    yield SAMLIdentityProvider(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def acme(db, saml_idp) -> SSOConnection:  # type: ignore[no-untyped-def]
    row = SSOConnection.objects.create(
        name="Acme",
        slug="acme",
        provider="saml",
        idp_entity_id=ENTITY_ID,
        idp_sso_url=SSO_URL,
        idp_certificate=saml_idp.certificate,
    )
    SSODomain.objects.create(connection=row, domain="acme.test")
    return row


def sp_metadata(browser: Client) -> str:
    response = browser.get("/sso/saml/acme/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    return response.content.decode()


def leave_for_idp(browser: Client, email: str = "grace@acme.test") -> str:
    """Type an address at an enterprise domain on the sign-in page (a password too: it is
    not used); return where the site sends the browser."""
    browser.get("/sign-in/")
    response = browser.post("/sign-in/", {"identifier": email, "password": "whatever-typed"})
    return forward_url(browser, response)


def post_to_acs(browser: Client, form: dict[str, str]):  # type: ignore[no-untyped-def]
    """The IdP's page posts cross-site (no cookies); the site continues with a GET of its own."""
    kept = Client().post(ACS, form)
    assert kept.status_code == 302 and kept["Location"].startswith(ACS + "?received=")
    return browser.get(kept["Location"])


def test_metadata_names_our_acs_and_entity_id(client, acme):
    metadata = sp_metadata(client)
    assert 'entityID="http://testserver/sso/saml/acme/metadata/"' in metadata
    assert 'Location="http://testserver/sso/saml/acme/acs/"' in metadata
    assert 'WantAssertionsSigned="true"' in metadata


def test_enterprise_address_goes_to_its_idp_and_signs_up(client, acme, saml_idp):
    url = leave_for_idp(client)
    assert url.startswith(SSO_URL + "?SAMLRequest=")
    response = post_to_acs(client, saml_idp.respond(url, sp_metadata(client)))
    assert response["Location"] == "/sign-up/complete/"
    assert client.get(response["Location"])["Location"] == "/"
    user = User.objects.get(email="grace@acme.test")
    assert user.email_verified and (user.first_name, user.last_name) == ("Grace", "Hopper")
    account = ExternalAccount.objects.get(user=user)
    assert account.connection == acme and account.subject == "grace@acme.test"
    event = AuthEvent.objects.get(kind="sign_in.succeeded")
    assert event.data["strategy"] == "sign_up"
    # The next time the same person signs in (existing user, linked account).
    other = Client()
    again = post_to_acs(other, saml_idp.respond(leave_for_idp(other), sp_metadata(other)))
    assert again["Location"] == "/"
    assert other.get("/user/").context["user"] == user


def test_existing_user_at_the_domain_is_linked(client, acme, saml_idp, make_user):
    user = make_user(email="grace@acme.test")
    response = post_to_acs(client, saml_idp.respond(leave_for_idp(client), sp_metadata(client)))
    assert response["Location"] == "/"
    assert ExternalAccount.objects.get().user == user


def test_tampered_assertion_is_refused(client, acme, saml_idp):
    form = saml_idp.respond(leave_for_idp(client), sp_metadata(client))
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert xml.count("grace@acme.test") >= 2
    forged = xml.replace("grace@acme.test", "boss@acme.test")
    form["SAMLResponse"] = base64.b64encode(forged.encode()).decode()
    response = post_to_acs(client, form)
    assert response["Location"] == "/sign-in/"
    assert not User.objects.exists()
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "saml_response_invalid"


@pytest.mark.parametrize("sign_response", [True, False])
def test_unsigned_assertion_is_refused(client, acme, saml_idp, sign_response):
    form = saml_idp.respond(
        leave_for_idp(client),
        sp_metadata(client),
        sign_assertion=False,
        sign_response=sign_response,
    )
    response = post_to_acs(client, form)
    assert response["Location"] == "/sign-in/"
    assert not User.objects.exists()
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "saml_response_invalid"


def test_replayed_response_is_refused(client, acme, saml_idp, browser):
    form = saml_idp.respond(leave_for_idp(client), sp_metadata(client))
    assert post_to_acs(client, form)["Location"] == "/sign-up/complete/"
    # The same response again, from the same browser or another: the state was used.
    assert post_to_acs(client, form)["Location"] == "/sign-in/"
    assert post_to_acs(browser, form)["Location"] == "/sign-in/"
    assert SAMLAssertionUse.objects.count() == 1


def test_replayed_assertion_is_refused_even_with_a_fresh_state(client, acme, saml_idp):
    """Single use of an assertion is a database fact, whatever the state says: a new round
    trip that expects the same request ID still can't use the assertion twice."""
    first_url = leave_for_idp(client)
    form = saml_idp.respond(first_url, sp_metadata(client))
    assert post_to_acs(client, form)["Location"] == "/sign-up/complete/"
    client.get("/sign-up/complete/")
    client.post("/sign-out/")
    used = SSOState.objects.get()
    second_url = leave_for_idp(client)
    fresh = SSOState.objects.exclude(pk=used.pk).get()
    SSOState.objects.filter(pk=fresh.pk).update(request_id=used.request_id)
    from urllib.parse import parse_qs, urlsplit

    form["RelayState"] = parse_qs(urlsplit(second_url).query)["RelayState"][0]
    response = post_to_acs(client, form)
    assert response["Location"] == "/sign-in/"
    failed = AuthEvent.objects.filter(kind="sso.failed").get()
    assert failed.data["reason"] == "saml_response_invalid"


def test_wrong_audience_is_refused(client, acme, saml_idp):
    form = saml_idp.respond(
        leave_for_idp(client), sp_metadata(client), audience="https://other-sp.example/"
    )
    assert post_to_acs(client, form)["Location"] == "/sign-in/"
    assert not User.objects.exists()


def test_wrong_recipient_is_refused(client, acme, saml_idp):
    form = saml_idp.respond(
        leave_for_idp(client),
        sp_metadata(client),
        destination="http://testserver/sso/saml/other/acs/",
    )
    assert post_to_acs(client, form)["Location"] == "/sign-in/"
    assert not User.objects.exists()


def test_expired_assertion_is_refused(client, acme, saml_idp):
    form = saml_idp.respond(leave_for_idp(client), sp_metadata(client))
    clock.advance(15 * 60 + 181)  # past NotOnOrAfter plus the tolerated skew
    assert post_to_acs(client, form)["Location"] == "/sign-in/"
    assert not User.objects.exists()


def test_address_outside_the_domain_is_refused(client, acme, saml_idp):
    form = saml_idp.respond(leave_for_idp(client), sp_metadata(client), email="eve@elsewhere.test")
    response = post_to_acs(client, form)
    assert response["Location"] == "/sign-in/"
    failed = AuthEvent.objects.get(kind="sso.failed")
    assert failed.data["reason"] == "enterprise_sso_email_address_domain_mismatch"
    assert not User.objects.exists()


def test_other_domains_sign_in_as_usual(client, acme, user):
    response = client.post(
        "/sign-in/", {"identifier": "ada@example.com", "password": "wrong-password-1"}
    )
    assert response.status_code == 400
    assert not SSOState.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "not base64 at all!!",
        base64.b64encode(b"<not-xml").decode(),
        base64.b64encode(b"plain text").decode(),
        base64.b64encode(
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'>&x;"
            b"</samlp:Response>"
        ).decode(),
    ],
)
def test_malformed_responses_are_refused_without_an_error_page(client, acme, raw):
    url = leave_for_idp(client)
    from urllib.parse import parse_qs, urlsplit

    relay = parse_qs(urlsplit(url).query)["RelayState"][0]
    response = post_to_acs(client, {"SAMLResponse": raw, "RelayState": relay})
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert AuthEvent.objects.get(kind="sso.failed").data["reason"] == "saml_response_invalid"


def test_clerk_sdk_signs_up_through_the_saml_idp(acme, saml_idp):
    """signIn.sso({strategy: 'enterprise_sso', identifier}) through the Frontend API: the
    same IdP round trip and ACS, then signUp.create({transfer: true})."""
    sdk = Fapi(Client(enforce_csrf_checks=True))
    fields = {"redirect_url": "/sso-callback", "action_complete_redirect_url": "/"}
    created = sdk.post(
        "client/sign_ins", strategy="enterprise_sso", identifier="grace@acme.test", **fields
    )
    sign_in = created.json()["response"]
    prepared = sdk.step(sign_in, "prepare_first_factor", strategy="enterprise_sso", **fields)
    url = prepared.json()["response"]["first_factor_verification"][
        "external_verification_redirect_url"
    ]
    assert url.startswith(SSO_URL + "?SAMLRequest=")
    response = post_to_acs(sdk.client, saml_idp.respond(url, sp_metadata(sdk.client)))
    assert response["Location"] == "/sso-callback"
    state = sdk.get("client").json()["response"]
    assert state["sign_in"]["first_factor_verification"]["status"] == "transferable"
    sign_up = sdk.post("client/sign_ups", transfer="true").json()["response"]
    assert sign_up["status"] == "complete"
    user = User.objects.get(email="grace@acme.test")
    assert ExternalAccount.objects.get(user=user).connection == acme
