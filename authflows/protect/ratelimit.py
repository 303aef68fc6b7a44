"""Fixed-window rate limits in the shared cache (Redis in production), so every worker
counts the same requests."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from authflows import clock
from authflows.flows.errors import RateLimited

# scope: (requests, window seconds). SPEC section 6.
LIMITS: dict[str, tuple[int, int]] = {
    "sign_in_start": (5, 10),
    "factor_attempt": (3, 10),
    "sign_up_start": (5, 10),
    "sign_up_verify": (3, 10),
    "code_send": (5, 60),
    "code_send_hourly": (20, 3600),
    "identifier_attempt": (10, 60),
}

enabled = True


def hit(scope: str, key: str) -> None:
    """Count one request for (scope, key); raise RateLimited when over the limit."""
    if not enabled or not key:
        return
    limit, window = LIMITS[scope]
    now = clock.now().timestamp()
    bucket = int(now // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
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
        raise RateLimited(retry_after=int((bucket + 1) * window - now) + 1)
