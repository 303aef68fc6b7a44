"""The PostgreSQL backend (ENGINE "authflows.postgresql"): a connection that answered within
the last second skips the health check's round trip; a quiet one is checked, so a connection
the server dropped meanwhile is replaced before the page needs it."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def health_checks(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The `SELECT 1` statements the health check sends (on the driver's connection)."""
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(query).strip() == "SELECT 1":
            sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return sent


def get(client: Client, path: str) -> int:
    """A request as a server makes it: Django's handler checks the connections when a request
    starts and ends (request_started and request_finished), which the test client skips."""
    connections["default"].close_if_unusable_or_obsolete()
    status = client.get(path).status_code
    connections["default"].close_if_unusable_or_obsolete()
    return status


def drop_from_the_server(pid: int) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_busy_connection_skips_the_check_and_a_quiet_one_is_checked(client, health_checks):
    if type(connections["default"]).__module__ != "authflows.postgresql.base":
        pytest.fail("the PostgreSQL pass (make test-postgres) runs this test")
    assert get(client, "/sign-in/") == 200
    health_checks.clear()
    assert get(client, "/sign-in/") == 200
    assert get(client, "/sign-in/") == 200
    assert health_checks == []  # answered a moment ago: no round trip
    connection.answered_at -= 5  # quiet for five seconds
    assert get(client, "/sign-in/") == 200
    assert health_checks == ["SELECT 1"]


def test_a_connection_the_server_dropped_while_quiet_is_replaced(client, user):
    assert get(client, "/sign-in/") == 200
    old_pid = connection.connection.info.backend_pid
    drop_from_the_server(old_pid)
    connection.answered_at -= 5
    assert get(client, "/sign-in/") == 200  # checked, reconnected, served
    assert connection.connection.info.backend_pid != old_pid


def test_a_connection_dropped_right_after_use_fails_one_request_with_503(user):
    client = Client(raise_request_exception=False)  # the answer a browser gets
    assert get(client, "/sign-in/") == 200
    drop_from_the_server(connection.connection.info.backend_pid)
    connections["default"].close_if_unusable_or_obsolete()
    answer = client.post("/sign-in/", {"identifier": "ada@example.com", "password": "x"})
    assert answer.status_code == 503 and answer["Retry-After"]
    assert get(client, "/sign-in/") == 200  # the next request has a new connection
