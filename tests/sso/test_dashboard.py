"""The Dashboard's connections: listed with their status and the URLs to register; client
secrets sealed and never shown back; SAML IdP metadata imported."""

from __future__ import annotations

import pytest

from authflows.models import AuthEvent, SSOConnection
from authflows.sso import config, secrets
from tests.sso.saml_idp import ENTITY_ID, SSO_URL, SAMLIdentityProvider, new_folder

ADD = "/admin/authflows/ssoconnection/add/"
LIST = "/admin/authflows/ssoconnection/"


def form(**fields: str) -> dict[str, str]:
    data = {
        "name": "Google",
        "slug": "google",
        "provider": "google",
        "enabled": "on",
        "domains-TOTAL_FORMS": "0",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(fields)
    return data


def test_secret_is_sealed_and_never_shown(staff_client):
    secret = "google-client-secret-value-42"
    response = staff_client.post(ADD, form(client_id="abc.apps", client_secret=secret))
    assert response.status_code == 302, response.content.decode()[:2000]
    row = SSOConnection.objects.get()
    assert secret not in row.client_secret_sealed
    assert secrets.unseal(row.client_secret_sealed) == secret
    page = staff_client.get(f"{LIST}{row.pk}/change/").content.decode()
    assert secret not in page and "stored (encrypted)" in page
    assert "Redirect URI: http://testserver/sso/callback/google/" in page
    # Saving without typing the secret keeps it.
    staff_client.post(f"{LIST}{row.pk}/change/", form(client_id="abc.apps"))
    assert config.client_secret(SSOConnection.objects.get()) == secret
    events = [e.data for e in AuthEvent.objects.filter(kind="settings.changed")]
    assert [("client_secret" in e["fields"]) for e in events] == [False, True]  # newest first
    assert secret not in str(events)


def test_list_shows_status_and_kind(staff_client):
    SSOConnection.objects.create(name="GitHub", slug="github", provider="github")
    page = staff_client.get(LIST).content.decode()
    assert "missing: client ID, client secret" in page
    assert "social" in page


def test_secret_from_the_environment(staff_client, monkeypatch):
    monkeypatch.setenv("GOOGLE_SECRET", "from-env")
    staff_client.post(ADD, form(client_id="abc", client_secret_env="GOOGLE_SECRET"))
    row = SSOConnection.objects.get()
    assert config.client_secret(row) == "from-env" and not row.client_secret_sealed
    assert config.problems(row) == []


def test_saml_metadata_import_fills_the_idp(staff_client):
    folder = new_folder()
    idp = SAMLIdentityProvider(folder)
    data = form(name="Acme", slug="acme", provider="saml", idp_metadata=idp.metadata())
    data.update({"domains-TOTAL_FORMS": "1", "domains-0-domain": "acme.test"})
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    row = SSOConnection.objects.get()
    assert (row.idp_entity_id, row.idp_sso_url) == (ENTITY_ID, SSO_URL)
    assert row.idp_certificate.replace("\n", "") in idp.certificate.replace("\n", "")
    page = staff_client.get(f"{LIST}{row.pk}/change/").content.decode()
    assert "http://testserver/sso/saml/acme/acs/" in page


@pytest.mark.parametrize("xml", ["not xml", "<x/>"])
def test_unusable_metadata_is_refused(staff_client, xml):
    response = staff_client.post(
        ADD, form(name="Acme", slug="acme", provider="saml", idp_metadata=xml)
    )
    assert response.status_code == 200
    assert "This metadata can" in response.content.decode()
    assert not SSOConnection.objects.exists()
