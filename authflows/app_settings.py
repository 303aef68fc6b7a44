"""Deploy-time settings of authflows: what names code or secrets, one property each.

What an operator toggles without a deploy lives in the InstanceSettings row instead.
"""

from django.conf import settings


class AppSettings:
    @property
    def SMS_BACKEND(self) -> str:
        return getattr(settings, "AUTHFLOWS_SMS_BACKEND", "authflows.delivery.sms.ConsoleBackend")

    @property
    def DEV_OUTBOX(self) -> bool:
        """Keep a copy of every outbound email and SMS for /dev/outbox/ (DEBUG only)."""
        return bool(getattr(settings, "AUTHFLOWS_DEV_OUTBOX", False)) and settings.DEBUG

    @property
    def CLIENT_COOKIE_NAME(self) -> str:
        return getattr(settings, "AUTHFLOWS_CLIENT_COOKIE_NAME", "authflows_client")

    @property
    def CLIENT_COOKIE_AGE(self) -> int:
        # Browsers cap cookie lifetimes at 400 days; the cookie is re-issued on use.
        return getattr(settings, "AUTHFLOWS_CLIENT_COOKIE_AGE", 400 * 24 * 3600)

    @property
    def CODE_HASH_KEY(self) -> bytes:
        """Key for the keyed hash (HMAC-SHA256) of one-time codes, derived from SECRET_KEY."""
        return f"authflows.codes:{settings.SECRET_KEY}".encode()

    @property
    def TRUSTED_PROXY_COUNT(self) -> int:
        return int(getattr(settings, "AUTHFLOWS_TRUSTED_PROXY_COUNT", 0))

    @property
    def TRUSTED_PROXY_HEADER(self) -> str:
        """A header the reverse proxy sets to the client's address (e.g. X-Real-IP)."""
        return str(getattr(settings, "AUTHFLOWS_TRUSTED_PROXY_HEADER", "") or "")

    @property
    def PWNED_RANGE_CHECK(self) -> bool:
        return bool(getattr(settings, "AUTHFLOWS_PWNED_RANGE_CHECK", False))

    @property
    def TEST_CODE(self) -> str:
        return "424242"


app_settings = AppSettings()
