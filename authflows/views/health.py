"""`/healthz` for the load balancer: 200 while this host can serve pages, 503 when not.

The database is the host's lifeline: without it, 503. The cache (Redis) is shared by every
host: when only it is down, every host answers 200 with `"status": "degraded"` and
`"cache": "error"`, because pages and sessions still work from PostgreSQL (sign-in checks
answer 503 themselves) and a balancer that took every host out would stop the whole site.
Monitoring reads the body, or /metrics.

Exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so a probe may use plain HTTP.
Each check is bounded by the connection timeouts in settings.py.
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("authflows.health")


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:
        logger.warning("health: database unavailable (%s)", type(error).__name__)
        return False


def check_cache() -> bool:
    key = f"authflows:healthz:{secrets.token_hex(8)}"  # per probe: concurrent probes can't clash
    try:
        cache.set(key, 1, timeout=5)
        return cache.get(key) == 1
    except Exception as error:
        logger.warning("health: cache unavailable (%s)", type(error).__name__)
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "cache": check_cache()}
    status = "ok" if all(checks.values()) else "degraded" if checks["database"] else "unavailable"
    body = {"status": status}
    body.update({name: "ok" if ok else "error" for name, ok in checks.items()})
    return JsonResponse(body, status=503 if status == "unavailable" else 200)
