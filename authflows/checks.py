"""Deploy checks (`manage.py check --deploy`): settings that are fine in development and
dangerous in production."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError

from authflows import hashers
from authflows.app_settings import app_settings
from authflows.models import InstanceSettings

PRINTING_SMS_BACKENDS = {
    "authflows.delivery.sms.ConsoleBackend",
    "authflows.delivery.sms.LocmemBackend",
    "authflows.delivery.sms.DatabaseOutboxBackend",
}


@register(Tags.security)
def check_argon2_verifier(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """ARGON2_VERIFIER names a library the site has (a project that sets it itself, without
    authflows.settings' own check, learns it here rather than at the first sign-in)."""
    wanted = getattr(settings, "ARGON2_VERIFIER", "auto")
    if wanted == "auto" or wanted in hashers.VERIFIERS:
        return []
    return [
        Error(
            f"ARGON2_VERIFIER is {wanted!r}.",
            hint="Set it to auto, libsodium or argon2-cffi (README: Password hashing).",
            id="authflows.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_test_mode(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Test mode accepts code 424242 for test addresses: never leave it on in production."""
    if settings.DEBUG:
        return []
    try:
        test_mode = InstanceSettings.objects.filter(pk=1, test_mode=True).exists()
    except DatabaseError:
        return []
    if not test_mode:
        return []
    return [
        Warning(
            "Test mode is on in the Dashboard: +clerk_test addresses and 555-01XX numbers "
            "accept the code 424242.",
            hint="Turn off “test mode” in /admin/ (Dashboard).",
            id="authflows.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_sms_backend(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """An SMS backend that prints or stores messages would put one-time codes in logs or
    tables: production names a real provider (or none: SMS codes are then refused)."""
    if settings.DEBUG or app_settings.SMS_BACKEND not in PRINTING_SMS_BACKENDS:
        return []
    return [
        Warning(
            f"SMS_BACKEND is {app_settings.SMS_BACKEND}: SMS codes are written to the "
            "server's output or database instead of being sent.",
            hint="Set SMS_BACKEND to your provider's backend (a BaseSMSBackend subclass).",
            id="authflows.W002",
        )
    ]


@register(Tags.security, deploy=True)
def check_public_origin(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Emailed links are built from PUBLIC_ORIGIN, never from a request's Host header."""
    if settings.DEBUG or getattr(settings, "AUTHFLOWS_PUBLIC_ORIGIN", ""):
        return []
    return [
        Warning(
            "PUBLIC_ORIGIN is not set: emailed links use "
            f"{app_settings.PUBLIC_ORIGIN or '(no origin)'}.",
            hint="Set PUBLIC_ORIGIN to the site's public scheme and host, e.g. "
            "https://id.example.com.",
            id="authflows.W003",
        )
    ]


@register(Tags.caches, deploy=True)
def check_shared_cache(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Rate limits, failed-attempt counts and sessions that belong to no one yet (sign-ins in
    progress) live in the cache: every process of the site must share it."""
    if settings.DEBUG or not isinstance(caches["default"], LocMemCache):
        return []
    return [
        Warning(
            "CACHE_URL is not set: each process keeps its own rate limits, failed-attempt "
            "counts and sign-ins in progress, so with more than one process the limits "
            "multiply and a sign-in can lose its second step.",
            hint="Set CACHE_URL to your Redis server, e.g. redis://127.0.0.1:6379/0.",
            id="authflows.W004",
        )
    ]
