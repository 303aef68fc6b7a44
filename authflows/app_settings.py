"""Deploy-time settings of authflows: what names code or secrets, one property each.

What an operator toggles without a deploy lives in the InstanceSettings row instead.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings


class AppSettings:
    @property
    def SMS_BACKEND(self) -> str:
        return getattr(
            settings, "AUTHFLOWS_SMS_BACKEND", "authflows.delivery.sms.NotConfiguredBackend"
        )

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
    def RATE_LIMITS(self) -> dict[str, tuple[int, int]]:
        """Overrides of protect.ratelimit.LIMITS, from RATE_LIMITS="scope=5/10;scope=3/60"
        (requests per window in seconds); a dict in settings works too."""
        raw = getattr(settings, "AUTHFLOWS_RATE_LIMITS", "") or ""
        if isinstance(raw, dict):
            return {k: (int(v[0]), int(v[1])) for k, v in raw.items()}
        limits = {}
        for part in str(raw).replace(",", ";").split(";"):
            scope, _, value = part.partition("=")
            count, _, window = value.partition("/")
            if scope.strip() and count.strip().isdigit() and window.strip().isdigit():
                limits[scope.strip()] = (int(count), int(window))
        return limits

    @property
    def METRICS_TOKEN(self) -> str:
        """The bearer token /metrics asks for; empty: the endpoint is off (404)."""
        return str(getattr(settings, "AUTHFLOWS_METRICS_TOKEN", "") or "")

    @property
    def PWNED_RANGE_CHECK(self) -> bool:
        return bool(getattr(settings, "AUTHFLOWS_PWNED_RANGE_CHECK", False))

    @property
    def PWNED_RANGE_API(self) -> str:
        """Base URL of the Pwned Passwords range API (the hash prefix is appended)."""
        return getattr(
            settings, "AUTHFLOWS_PWNED_RANGE_API", "https://api.pwnedpasswords.com/range/"
        )

    @property
    def PUBLIC_ORIGIN(self) -> str:
        """Scheme and host of links in emails (PUBLIC_ORIGIN, e.g. https://id.example.com).
        Never taken from a request's Host header, which a client chooses. Unset: the first
        ALLOWED_HOSTS entry over https (http://127.0.0.1:8000 under DEBUG)."""
        configured = str(getattr(settings, "AUTHFLOWS_PUBLIC_ORIGIN", "") or "")
        if configured:
            return configured.rstrip("/")
        if settings.DEBUG:
            return "http://127.0.0.1:8000"
        hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        return f"https://{hosts[0]}" if hosts else ""

    @property
    def WEBAUTHN_RP_ID(self) -> str:
        """The passkeys' relying party ID: a domain the site's origins share, fixed at
        registration (a passkey made for one RP ID never works for another). Unset: the host
        of PUBLIC_ORIGIN. Never a request's Host header. Browsers refuse IP addresses, so under
        DEBUG a loopback address stands for "localhost"."""
        configured = str(getattr(settings, "AUTHFLOWS_WEBAUTHN_RP_ID", "") or "")
        if configured:
            return configured.strip().lower()
        host = urlsplit(self.PUBLIC_ORIGIN).hostname or ""
        if settings.DEBUG and _is_loopback_address(host):
            return "localhost"
        return host

    @property
    def WEBAUTHN_ORIGINS(self) -> list[str]:
        """The origins (scheme, host, port) whose pages may use the passkeys. Unset:
        PUBLIC_ORIGIN, and under DEBUG, with PUBLIC_ORIGIN on a loopback address, the same
        port on localhost (the RP ID that stands for it)."""
        configured = getattr(settings, "AUTHFLOWS_WEBAUTHN_ORIGINS", None) or []
        if isinstance(configured, str):
            configured = configured.split(",")
        origins = [str(o).strip().rstrip("/") for o in configured if str(o).strip()]
        if origins:
            return origins
        public = self.PUBLIC_ORIGIN
        parts = urlsplit(public)
        if settings.DEBUG and _is_loopback_address(parts.hostname or ""):
            port = f":{parts.port}" if parts.port else ""
            return [f"{parts.scheme}://localhost{port}"]
        return [public] if public else []

    @property
    def TEST_CODE(self) -> str:
        return "424242"


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


app_settings = AppSettings()
