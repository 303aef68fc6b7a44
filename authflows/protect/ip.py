"""The client's IP address.

REMOTE_ADDR is used unless TRUSTED_PROXY_COUNT says how many reverse proxies in front of the
site append to X-Forwarded-For. Setting it when no proxy is there lets anyone choose their
own address (and so escape per-IP rate limits): set it to the exact number of proxies.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from authflows.app_settings import app_settings


def client_ip(request: HttpRequest) -> str:
    ip = request.META.get("REMOTE_ADDR", "") or ""
    proxies = app_settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [
            h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()
        ]
        if len(hops) >= proxies:
            ip = hops[-proxies]
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return "0.0.0.0"  # noqa: S104  (an address that is no address: never a real client)
