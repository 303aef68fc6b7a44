"""The client's IP address, as rate limits, lockout notices and the audit log see it.

By default it is REMOTE_ADDR: the address that opened the TCP connection. Behind reverse
proxies (a load balancer, nginx, a CDN) that is the proxy's address, so every visitor would
share one rate-limit bucket. Two deploy settings say where the real address is:

- TRUSTED_PROXY_COUNT=N: exactly N proxies append to X-Forwarded-For; the address N places
  from the right is the client's (the ones further left were written by the client itself).
- TRUSTED_PROXY_HEADER=X-Real-IP (or CF-Connecting-IP, ...): a header the proxy sets and
  overwrites.

The foot-gun: both headers are ordinary request headers. If the count is larger than the
number of proxies really in front of the site, or the header is named while no proxy
overwrites it, any client chooses its own address with one header, a fresh one per request,
and per-IP rate limits stop limiting. Set the exact count, and only a header your proxy sets.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from authflows.app_settings import app_settings


def client_ip(request: HttpRequest) -> str:
    """The client's address as a string; 0.0.0.0 when none can be read."""
    ip = _from_header(request) or _from_forwarded_for(request) or request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return "0.0.0.0"  # noqa: S104  (an address that is no address: never a real client)


def rate_key(ip: str) -> str:
    """The key an address is counted under: IPv6 by its /64 (one subscriber's whole network,
    which an attacker rotates through for free), IPv4 as it is."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _from_header(request: HttpRequest) -> str:
    header = app_settings.TRUSTED_PROXY_HEADER
    if not header:
        return ""
    meta_name = "HTTP_" + header.upper().replace("-", "_")
    return request.META.get(meta_name, "")


def _from_forwarded_for(request: HttpRequest) -> str:
    proxies = app_settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return ""
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    return hops[-proxies] if len(hops) >= proxies else ""
