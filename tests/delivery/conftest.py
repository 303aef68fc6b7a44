"""Fixtures for the message queue: the database task backend, the library's own worker loop,
and a real SMTP server process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.delivery.servers import SMTPServer, free_port

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings) -> None:  # type: ignore[no-untyped-def]
    """Production's queue: messages become task rows; nothing is sent until a worker runs."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker() -> Callable[[], int]:
    """Run `manage.py db_worker --batch`'s loop until no task is ready; returns tasks run."""

    def run() -> int:
        before = DBTaskResult.objects.exclude(status="READY").count()
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="pytest",
            excluded_queue_names=[],
        )
        worker.run()
        return DBTaskResult.objects.exclude(status="READY").count() - before

    return run


def use_smtp(settings, port: int, timeout: int = 3) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = timeout


@pytest.fixture
def smtp_port(settings) -> int:  # type: ignore[no-untyped-def]
    """Email goes over SMTP to this loopback port, where nothing listens until a test starts
    a server on it."""
    port = free_port()
    use_smtp(settings, port)
    return port


@pytest.fixture
def smtp_server(tmp_path: Path, smtp_port: int) -> Iterator[SMTPServer]:
    """A stopped SMTP server for smtp_port: the test starts it (and it is stopped after)."""
    server = SMTPServer(tmp_path / "maildir", port=smtp_port)
    yield server
    server.stop()
