"""The relying party's ID and origins: deploy settings, defaulting from PUBLIC_ORIGIN, never
from the request; a loopback address stands for localhost under DEBUG."""

from __future__ import annotations

from django.test import Client

from authflows.app_settings import app_settings


def test_from_public_origin(settings):
    settings.AUTHFLOWS_PUBLIC_ORIGIN = "https://id.example.com"
    assert app_settings.WEBAUTHN_RP_ID == "id.example.com"
    assert app_settings.WEBAUTHN_ORIGINS == ["https://id.example.com"]


def test_set_explicitly(settings):
    settings.AUTHFLOWS_WEBAUTHN_RP_ID = "Example.com"
    settings.AUTHFLOWS_WEBAUTHN_ORIGINS = ["https://a.example.com/", " https://b.example.com"]
    assert app_settings.WEBAUTHN_RP_ID == "example.com"
    assert app_settings.WEBAUTHN_ORIGINS == ["https://a.example.com", "https://b.example.com"]
    settings.AUTHFLOWS_WEBAUTHN_ORIGINS = "https://c.example.com,https://d.example.com"
    assert app_settings.WEBAUTHN_ORIGINS == ["https://c.example.com", "https://d.example.com"]


def test_loopback_stands_for_localhost_under_debug(settings):
    settings.AUTHFLOWS_PUBLIC_ORIGIN = "http://127.0.0.1:8000"
    settings.DEBUG = True
    assert app_settings.WEBAUTHN_RP_ID == "localhost"
    assert app_settings.WEBAUTHN_ORIGINS == ["http://localhost:8000"]
    settings.DEBUG = False
    assert app_settings.WEBAUTHN_RP_ID == "127.0.0.1"  # and browsers refuse it: set it


def test_the_host_header_changes_nothing(instance, settings):
    instance(passkeys_enabled=True)
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    response = Client().post(
        "/api/passkeys/sign-in/options/",
        "{}",
        content_type="application/json",
        HTTP_HOST="evil.example",
    )
    assert response.json()["publicKey"]["rpId"] == "testserver"
