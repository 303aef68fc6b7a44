"""The production configuration in real processes: gunicorn with DEBUG=false serving the
stylesheet through WhiteNoise, and the answers when PostgreSQL is unreachable or hung."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests
from django.conf import settings

from tests.delivery.servers import HungServer, free_port, wait_for_port

ROOT = Path(settings.BASE_DIR)


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "authflows.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "BEHIND_TLS_PROXY": "true",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[str]:
    env = production_env(tmp_path)
    for step in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "authflows.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, seconds=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_with_debug_off_serves_the_hashed_stylesheet(gunicorn):
    proxy = {"X-Forwarded-Proto": "https"}
    page = requests.get(f"{gunicorn}/sign-in/", headers=proxy, timeout=10)
    assert page.status_code == 200
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert re.fullmatch(r"/static/authflows/app\.[0-9a-f]{12}\.css", href)
    css = requests.get(gunicorn + href, headers={**proxy, "Accept-Encoding": "gzip"}, timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in css.headers["Cache-Control"]
    assert "immutable" in css.headers["Cache-Control"]
    assert ".topbar" in css.text
    health = requests.get(f"{gunicorn}/healthz", timeout=10)  # plain HTTP, no redirect
    assert health.status_code == 200 and health.json()["status"] == "ok"


PROBE = """
from django.test import Client
browser = Client(raise_request_exception=False)
for path in ("/healthz", "/sign-in/"):
    r = browser.get(path, secure=True)
    print(json.dumps({"path": path, "status": r.status_code, "body": r.content.decode()[:2000],
                      "retry_after": r.headers.get("Retry-After")}))
"""


def probe(tmp_path: Path, database_url: str) -> tuple[list[dict[str, object]], float]:
    env = production_env(tmp_path, DATABASE_URL=database_url, DATABASE_CONNECT_TIMEOUT="2")
    collected = manage(env, "collectstatic", "--noinput")  # needs no database
    assert collected.returncode == 0, collected.stderr
    script = "import json, django; django.setup()\n" + PROBE
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], elapsed


def test_postgresql_unreachable_answers_503_not_500(tmp_path):
    answers, _ = probe(tmp_path, f"postgres://postgres@127.0.0.1:{free_port()}/nowhere")
    health, page = answers
    assert health["status"] == 503
    assert json.loads(str(health["body"]))["database"] == "error"
    assert page["status"] == 503 and page["retry_after"] == "30"
    assert 'data-status="unavailable"' in str(page["body"])


def test_a_hung_postgresql_holds_a_request_only_for_the_connect_timeout(tmp_path):
    hung = HungServer()
    try:
        answers, elapsed = probe(tmp_path, f"postgres://postgres@127.0.0.1:{hung.port}/hung")
    finally:
        hung.close()
    assert [a["status"] for a in answers] == [503, 503]
    assert elapsed < 30  # each connection attempt gives up after DATABASE_CONNECT_TIMEOUT=2


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "cache": s.CACHES["default"].get("OPTIONS", {}),
    "database": s.DATABASES["default"].get("OPTIONS", {}),
    "email_timeout": s.EMAIL_TIMEOUT,
    "email_backend": s.EMAIL_BACKEND,
    "anymail": s.ANYMAIL,
    "tasks": s.TASKS["default"]["BACKEND"],
    "static": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def production_settings(tmp_path: Path, **extra: str) -> dict[str, object]:
    env = production_env(tmp_path, **extra)
    done = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_network_dependency_has_a_timeout_in_production(tmp_path):
    shown = production_settings(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/authflows",
        CACHE_URL="redis://cache.example:6379/0",
    )
    assert shown["cache"] == {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}
    assert shown["database"] == {"connect_timeout": 5}
    assert shown["email_timeout"] == 10
    assert shown["tasks"] == "django_tasks_db.DatabaseBackend"
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_a_provider_backend_is_configured_from_the_environment(tmp_path):
    shown = production_settings(
        tmp_path,
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
        ANYMAIL='{"POSTMARK_SERVER_TOKEN": "token", "REQUESTS_TIMEOUT": 10}',
        REDIS_TIMEOUT="0.5",
        CACHE_URL="redis://cache.example:6379/0",
        DATABASE_URL="postgres://u:p@db.example:5432/authflows",
        DATABASE_STATEMENT_TIMEOUT_MS="3000",
    )
    assert shown["email_backend"] == "anymail.backends.postmark.EmailBackend"
    assert shown["anymail"] == {"POSTMARK_SERVER_TOKEN": "token", "REQUESTS_TIMEOUT": 10}
    assert shown["cache"] == {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    assert shown["database"] == {"connect_timeout": 5, "options": "-c statement_timeout=3000"}


def test_a_gunicorn_worker_times_its_password_verifiers_as_it_starts(tmp_path):
    """Under ARGON2_VERIFIER=auto, deploy/gunicorn.conf.py has each worker time libsodium and
    argon2-cffi with the site's parameters before its first request, and log its choice."""
    env = production_env(tmp_path, ARGON2_VERIFIER="auto", LOG_LEVEL="INFO", WEB_CONCURRENCY="2")
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
             "authflows.wsgi:application"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_port(port, seconds=30)
        chosen: list[str] = []
        deadline = time.monotonic() + 60
        while len(chosen) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            chosen = [x for x in log.read_text().splitlines() if "password verifier:" in x]
        assert len(chosen) == 2, log.read_text()  # one line per worker, before any request
        pattern = re.compile(
            r"password verifier: (libsodium|argon2-cffi) "
            r"\(one verification: libsodium [\d.]+ ms, argon2-cffi [\d.]+ ms\)"
        )
        assert all(pattern.search(line) for line in chosen), chosen
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200, health.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def _gunicorn_config() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy/gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_refuses_to_start_where_argon2_cffi_cannot_run():
    """A build with AVX2 copied to a CPU without it dies of SIGILL at its first hash. The
    config's probe hashes in a child process before any worker starts; here the child is
    made to die of the same signal."""
    config = _gunicorn_config()
    assert config.argon2_refusal() == ""  # this machine's argon2-cffi hashes
    refusal = config.argon2_refusal("import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    assert "built for a CPU with instructions this one lacks" in refusal
    assert "deploy/build-argon2.sh" in refusal
    assert "failed its probe" in config.argon2_refusal("raise SystemExit(3)")
