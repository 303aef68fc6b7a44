"""Fixed-window rate limits in the shared cache (Redis in production), so every worker
counts the same requests. A request over a limit raises RateLimited, which the middleware
answers with HTTP 429, a Retry-After header and a page saying when to try again.

What each flow calls (SPEC 6):

    sign-in start       hit("sign_in_start", ip); hit("identifier_attempt", identifier)
    sign-up start       hit("sign_up_start", ip); hit("identifier_attempt", address)
    code / factor check hit("factor_attempt", ip); hit("identifier_attempt", identifier)
    sign-up verify      hit("sign_up_verify", ip); hit("identifier_attempt", address)
    "I need a new code" hit("code_send", ip)
    every message sent  hit_send(target=address, ip=ip)  (called by factors.codes.issue
                        itself; the IP comes from FactorContext.extra["ip"])
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from authflows import clock
from authflows.app_settings import app_settings
from authflows.flows.errors import RateLimited

# scope: (requests, window seconds). The first four are SPEC section 6. Each can be changed
# without code through the RATE_LIMITS environment variable (see app_settings.RATE_LIMITS).
LIMITS: dict[str, tuple[int, int]] = {
    "sign_in_start": (5, 10),  # per IP
    "factor_attempt": (3, 10),  # per IP: password-less, MFA and client-trust code checks
    "sign_up_start": (5, 10),  # per IP
    "sign_up_verify": (3, 10),  # per IP
    "identifier_attempt": (10, 60),  # per identifier: passwords and codes, from any IP
    "code_send": (5, 60),  # per IP: "I need a new code"
    "code_send_address": (3, 60),  # per email address or phone number: messages sent
    "code_send_hourly": (10, 3600),  # per email address or phone number: messages sent
    "code_send_ip_hourly": (50, 3600),  # per IP: messages sent (SMS pumping, mail bombing)
}

#: Tests turn limits off unless marked @pytest.mark.ratelimit.
enabled = True


def hit(scope: str, key: str) -> None:
    """Count one request for (scope, key); raise RateLimited when over the limit."""
    if not enabled or not key:
        return
    limit, window = app_settings.RATE_LIMITS.get(scope) or LIMITS[scope]
    now = clock.now().timestamp()
    bucket = int(now // window)
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    cache_key = f"authflows:rl:{scope}:{digest}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        retry_after = int((bucket + 1) * window - now) + 1
        raise RateLimited(retry_after=retry_after, scope=scope, first=count == limit + 1)


def hit_send(*, target: str, ip: str = "") -> None:
    """Count one message about to be sent to `target` (an email address or phone number),
    asked for from `ip`: a few a minute and a few more an hour per address, whoever asks, and
    a ceiling per IP, so nobody can flood an inbox or run up an SMS bill."""
    hit("code_send_address", target)
    hit("code_send_hourly", target)
    hit("code_send_ip_hourly", ip)
