"""Request ids, the 404/500/503 pages, django.request logging and /healthz, in-process.
Dependency failures are real: a Redis URL where nothing listens."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client

from tests.conftest import PASSWORD, sign_in
from tests.delivery.servers import free_port

pytestmark = pytest.mark.django_db
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.I)


@pytest.fixture
def redis_down(settings):  # type: ignore[no-untyped-def]
    """The cache is a Redis server that is not running (connection refused)."""
    working = settings.CACHES
    nowhere = {
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
    settings.CACHES = {
        "default": {"BACKEND": "authflows.cache.RedisCache", **nowhere},
        "copies": {"BACKEND": "authflows.cache.CopiesCache", **nowhere},
    }
    yield
    caches["default"].close()
    caches["copies"].close()
    settings.CACHES = working  # the shared teardown clears the cache


def test_every_response_carries_a_new_request_id(client):
    first, second = client.get("/sign-in/"), client.get("/sign-in/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_proxys_request_id_is_used_only_when_configured(settings):
    assert Client().get("/", HTTP_X_REQUEST_ID="from-client")["X-Request-ID"] != "from-client"
    settings.AUTHFLOWS_REQUEST_ID_HEADER = "X-Request-ID"
    browser = Client()
    assert browser.get("/", HTTP_X_REQUEST_ID="lb-1234.5")["X-Request-ID"] == "lb-1234.5"
    odd = browser.get("/", HTTP_X_REQUEST_ID="bad id\nInjected: 1")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", odd)


def test_the_404_page_has_the_sites_look_and_the_request_id(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-status="not_found"' in page and "Page not found" in page
    assert 'rel="stylesheet"' in page
    assert response["X-Request-ID"] in page
    assert not INLINE.search(page)
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.urls("tests.deploy.failing_urls")
def test_an_unreachable_redis_answers_503_with_retry_after_and_logs_the_traceback(caplog):
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/redis-gone/")
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert 'data-status="unavailable"' in page and response["X-Request-ID"] in page
    assert not INLINE.search(page)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and "ConnectionError" in caplog.text
    assert record.request_id == response["X-Request-ID"]


@pytest.mark.ratelimit
def test_with_redis_down_pages_are_served_and_limits_fail_closed(redis_down, user, caplog):
    browser = Client(raise_request_exception=False)
    assert browser.get("/sign-in/").status_code == 200  # the Dashboard row from PostgreSQL
    with caplog.at_level(logging.WARNING):
        refused = sign_in(browser, user.email)
    page = refused.content.decode()
    assert refused.status_code == 503 and refused["Retry-After"] == "30"
    assert 'data-error-code="limits_unavailable"' in page and "try again in 30 seconds" in page
    assert refused["X-Request-ID"] in page and not INLINE.search(page)
    # An answer, not a bug: one line for the 503, no traceback.
    assert not [r for r in caplog.records if r.exc_info]
    assert "cache unavailable (ConnectionError)" in caplog.text


@pytest.mark.ratelimit
def test_with_redis_down_the_api_answers_a_json_503(redis_down, user):
    browser = Client(raise_request_exception=False)
    answer = browser.post("/api/sign-in/start/", {"identifier": user.email, "password": PASSWORD})
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    [error] = answer.json()["errors"]
    assert error["code"] == "limits_unavailable" and "30 seconds" in error["message"]


def test_healthz_answers_200_with_a_small_json_body(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_200_degraded_when_only_the_cache_is_down(redis_down):
    # Every host shares the one Redis: a 503 here would take every host out of the balancer,
    # while pages and sessions still work from PostgreSQL.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "cache": "error",
    }


def test_healthz_answers_503_when_the_database_is_down(monkeypatch, client):
    from authflows.views import health

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refused)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
    assert json.loads(response.content)["database"] == "error"


def test_healthz_is_not_redirected_to_https(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/sign-in/").status_code == 301
    assert client.get("/healthz").status_code == 200


@pytest.mark.urls("tests.deploy.failing_urls")
def test_a_bug_answers_the_500_page_and_logs_the_traceback_with_the_request_id(caplog):
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert 'data-status="server_error"' in page and "Something went wrong" in page
    assert response["X-Request-ID"] in page and 'rel="stylesheet"' in page
    assert not INLINE.search(page)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == response["X-Request-ID"]
    assert "ZeroDivisionError" in caplog.text and "Traceback" in caplog.text
