"""Redis killed or hung under a running site (gunicorn, production settings, its own
redis-server and PostgreSQL database): pages keep working, sessions and the Dashboard row
come from PostgreSQL, and everything the rate limits and lockout counts guard fails closed
with 503 and Retry-After, never 500 and never unlimited."""

from __future__ import annotations

import signal
import time

import pytest
import requests
from requests.cookies import cookiejar_from_dict

from tests.faults.harness import (
    PASSWORD,
    Site,
    sign_in,
    sign_out,
    signed_in_as,
    timed,
    trust_and_sign_in,
    users_script,
)

pytestmark = pytest.mark.postgres


def api_sign_in(site: Site, email: str) -> requests.Response:
    browser = site.browser()
    browser.get("/sign-in/")  # a page of the site sets the CSRF cookie the API asks for
    token = browser.session.cookies.get("csrftoken", "")
    return browser.session.post(
        f"{site.base}/api/sign-in/start/", json={"identifier": email, "password": PASSWORD},
        headers={"X-CSRFToken": token}, timeout=15,
    )  # fmt: skip


def test_redis_killed_pages_and_sessions_work_and_sign_in_fails_closed(site, emails):
    ada, bob, _ = emails
    site.shell(users_script(ada, bob))
    signed_in = site.browser()
    trust_and_sign_in(signed_in, ada)

    site.kill_redis()
    page, took = timed(lambda: site.browser().get("/sign-in/"))
    assert page.status_code == 200 and took < 3  # the Dashboard row from PostgreSQL
    assert signed_in_as(signed_in, ada)  # the session from PostgreSQL
    refused = sign_in(site.browser(), bob)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert 'data-error-code="limits_unavailable"' in refused.text  # no password was checked
    api = api_sign_in(site, bob)
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.json()["errors"][0]["code"] == "limits_unavailable"
    health = site.health()
    # 200 "degraded": the balancer keeps every host, whose pages still work
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["cache"] == "error"
    assert health.json()["database"] == "ok"
    sign_out(signed_in)
    assert not signed_in_as(signed_in, ada)

    site.start_redis()  # empty: nothing survived the kill
    site.wait_healthy()
    trust_and_sign_in(site.browser(), bob)
    log = site.processes.log("web")
    assert '" 500 ' not in log and "Traceback" not in log, log[-3000:]


def test_redis_hung_costs_one_timeout_and_a_session_ended_meanwhile_stays_ended(site, emails):
    ada, bob, _ = emails
    site.shell(users_script(ada, bob))
    leaving = site.browser()
    trust_and_sign_in(leaving, ada)
    stolen = site.browser()  # a copy of the cookie, used after the sign-out
    stolen.session.cookies = cookiejar_from_dict(leaving.session.cookies.get_dict())

    site.signal_redis(signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        started = time.monotonic()
        pages = [site.browser().get("/sign-in/") for _ in range(5)]
        elapsed = time.monotonic() - started
        # REDIS_TIMEOUT=1: the first call waits 1 s, then the worker leaves Redis alone for a
        # few seconds; without that each page would wait for every cache call (10 s or more).
        assert [p.status_code for p in pages] == [200] * 5 and elapsed < 6, elapsed
        assert signed_in_as(leaving, ada)
        refused, took = timed(lambda: sign_in(site.browser(), bob))
        assert refused.status_code == 503 and took < 3
        sign_out(leaving)  # the row goes; the cached copy can't be deleted now
    finally:
        site.signal_redis(signal.SIGCONT)
    site.wait_healthy()
    # Redis kept what it held: the signed-out session's copy is still there...
    assert any(b"authflows.session" in key for key in site.redis().keys("*"))
    # ...and is deleted again before anything is read, so the old cookie signs nobody in.
    assert not signed_in_as(stolen, ada)
    assert not any(b"authflows.session" in key for key in site.redis().keys("*"))
    trust_and_sign_in(site.browser(), bob)
