"""Fixed-window counters in the shared cache (Redis in production), so every worker counts
the same requests. A request over a limit raises RateLimited, which the middleware answers with
HTTP 429, a Retry-After header and a page saying when to try again.

Who may spend which budget (SPEC 9) is decided by the gate (authflows/flows/gate.py); this
module only counts. Each limit can be changed without code through RATE_LIMITS (see
app_settings.RATE_LIMITS)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from authflows import cache as counters
from authflows import clock
from authflows.app_settings import app_settings
from authflows.errors import RateLimited

# scope: (requests, window seconds)
LIMITS: dict[str, tuple[int, int]] = {
    # requests per IP (SPEC 6)
    "sign_in_start": (5, 10),
    "factor_attempt": (3, 10),  # password-less, MFA, client-trust and account code checks
    "sign_up_start": (5, 10),
    "sign_up_verify": (3, 10),
    "code_send": (5, 60),  # "I need a new code"
    "sso_callback": (20, 60),  # returns from identity providers
    # failed passwords and codes for one account, from clients not trusted for it (SPEC 9)
    "identifier_attempt": (10, 60),
    # messages that follow a proof (the right password, a signed-in session): per address and
    # per attempt, a budget of their own that no anonymous request can spend
    "code_send_address": (3, 60),
    "code_send_hourly": (10, 3600),
    "code_send_attempt": (5, 600),
    # messages anyone can trigger (reset, passwordless sign-in, sign-up): per address and
    # requesting IP, plus a ceiling per address that a client trusted by its owner never meets
    "anon_send_address_ip": (3, 60),
    "anon_send_address_ip_hourly": (10, 3600),
    "anon_send_address_hourly": (20, 3600),
    # every message, per IP (SMS pumping, mail bombing)
    "code_send_ip_hourly": (50, 3600),
}

#: Tests turn limits off unless marked @pytest.mark.ratelimit.
enabled = True


def limit_of(scope: str) -> tuple[int, int]:
    return app_settings.RATE_LIMITS.get(scope) or LIMITS[scope]


def _cache_key(scope: str, key: str, bucket: int) -> str:
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    return f"authflows:rl:{scope}:{digest}:{bucket}"


def hit(scope: str, key: str) -> str:
    """Count one request for (scope, key); raise RateLimited when over the limit. Returns the
    counter's key, so a caller that counts only failures can give the request back
    (lockout.release, authflows.cache.uncount)."""
    if not enabled or not key:
        return ""
    limit, window = limit_of(scope)
    now = clock.now().timestamp()
    bucket = int(now // window)
    cache_key = _cache_key(scope, key, bucket)
    count = counters.count(cache_key, timeout=window + 1)
    if count > limit:
        retry_after = int((bucket + 1) * window - now) + 1
        raise RateLimited(retry_after=retry_after, scope=scope, first=count == limit + 1)
    return cache_key


def clear(scope: str, key: str) -> None:
    """Forget (scope, key) in the current and the previous window (an admin's unlock)."""
    _limit, window = limit_of(scope)
    bucket = int(clock.now().timestamp() // window)
    cache.delete_many([_cache_key(scope, key, b) for b in (bucket, bucket - 1)])
