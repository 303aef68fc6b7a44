"""`/metrics`: the counters of authflows/metrics.py in Prometheus' text format, for a scraper
holding the bearer token in METRICS_TOKEN; without that setting the endpoint does not exist.

A token, not "loopback only": behind a reverse proxy on the same host every request comes
from loopback, so the address would let the whole internet read the counters. Like /healthz
it is exempt from the HTTPS redirect, for a scraper inside the network; over the internet,
scrape it through the TLS proxy.
"""

from __future__ import annotations

import hmac

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from authflows import metrics as counters
from authflows.app_settings import app_settings


def is_authorized(request: HttpRequest) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = app_settings.METRICS_TOKEN.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not app_settings.METRICS_TOKEN:
        raise Http404
    if not is_authorized(request):
        refused = HttpResponse(
            "A bearer token is required.\n", status=401, content_type="text/plain"
        )
        refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    body, content_type = counters.exposition()
    return HttpResponse(body, content_type=content_type)
