"""Runs the peer's load generator (flowload.py, given as the first argument) as a browser
would on loopback: http://127.0.0.1 is a secure context for browsers, so they send cookies
marked Secure there; Python's cookie jar (under httpx) sends them over https only.

authflows runs with its production settings, whose session and CSRF cookies are Secure (a TLS
proxy would sit in front); the allauth peer sets no Secure cookie, so this changes nothing for
it. Everything else is flowload.py as it is.

    python bench/flowload_loopback.py ../shared/bench/flowload.py --flow ... --base-url ...
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import runpy
import sys
from urllib.parse import urlsplit

_return_ok_secure = http.cookiejar.DefaultCookiePolicy.return_ok_secure


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def return_ok_secure(self, cookie, request) -> bool:  # type: ignore[no-untyped-def]
    if cookie.secure and is_loopback(request.get_full_url()):
        return True
    return bool(_return_ok_secure(self, cookie, request))


def install() -> None:
    http.cookiejar.DefaultCookiePolicy.return_ok_secure = return_ok_secure  # type: ignore[method-assign]


def main() -> None:
    install()
    tool = sys.argv[1]
    sys.argv = [tool, *sys.argv[2:]]
    runpy.run_path(tool, run_name="__main__")


if __name__ == "__main__":
    main()
