"""A production-like site for each fault test: one PostgreSQL database per test module
(migrated once), and per test its own redis-server and gunicorn (tests/faults/harness.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.faults.harness import ADMIN_POSTGRES, Site, manage, site_env


@pytest.fixture(scope="module")
def site_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    name = f"authflows_faults_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN_POSTGRES, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        tmp = tmp_path_factory.mktemp("site")
        env = site_env(tmp, f"postgres://postgres@127.0.0.1:5432/{name}")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        yield env
    finally:
        with psycopg.connect(ADMIN_POSTGRES, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path: Path, site_environment: dict[str, str]) -> Iterator[Site]:
    # Messages an earlier test left queued would reach this test's mail server.
    with psycopg.connect(site_environment["DATABASE_URL"], autocommit=True) as db:
        db.execute("DELETE FROM django_tasks_database_dbtaskresult")
    running = Site(tmp_path, site_environment)
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def emails() -> list[str]:
    """Addresses no other test uses (the database is shared by the module); test mode."""
    tag = secrets.token_hex(4)
    return [f"{name}-{tag}+clerk_test@example.com" for name in ("ada", "bob", "cy")]
