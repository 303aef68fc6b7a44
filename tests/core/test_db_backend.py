"""The PostgreSQL backend (ENGINE "authflows.postgresql"): a connection that answered within
the last second skips the health check's round trip; a quiet one is checked, so a connection
the server dropped meanwhile is replaced before the page needs it. A transaction begins at its
first statement that needs one, so a page that only reads pays no BEGIN and COMMIT."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.test import Client

from authflows import clock
from authflows.models import User, UserSession
from tests.conftest import PASSWORD

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


# --- transactions begun at their first write --------------------------------------------------


@pytest.fixture
def sent(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """What reaches PostgreSQL, in order: the driver's BEGIN and COMMIT, and each statement's
    first word (FOR UPDATE marked)."""
    log: list[str] = []
    command, execute = psycopg.Connection._exec_command, psycopg.Cursor.execute

    def exec_command(self, cmd, *args, **kwargs):  # type: ignore[no-untyped-def]
        text = cmd.as_string(self) if hasattr(cmd, "as_string") else bytes(cmd).decode()
        log.append(text.split()[0])
        return command(self, cmd, *args, **kwargs)

    def executed(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = execute(self, query, *args, **kwargs)  # a BEGIN it needs goes out first
        text = str(query)
        log.append(text.split()[0] + (" FOR UPDATE" if "FOR UPDATE" in text else ""))
        return result

    monkeypatch.setattr(psycopg.Connection, "_exec_command", exec_command)
    monkeypatch.setattr(psycopg.Cursor, "execute", executed)
    return log


def on_the_postgresql_pass() -> None:
    if type(connections["default"]).__module__ != "authflows.postgresql.base":
        pytest.fail("the PostgreSQL pass (make test-postgres) runs this test")


def test_a_page_that_only_reads_sends_no_begin_or_commit(client, user, instance, sent):
    on_the_postgresql_pass()
    instance(client_trust=False)
    client.post("/sign-in/", {"identifier": user.email, "password": PASSWORD})
    client.get("/")  # the process's copies of the Dashboard row and the connections
    sent.clear()
    assert b"Signed in as" in client.get("/").content
    assert sent == ["SELECT"]  # the signed-in user, on its own


def test_a_step_that_writes_begins_before_its_first_write(client, user, instance, sent):
    on_the_postgresql_pass()
    instance(client_trust=False)
    client.get("/sign-in/")
    sent.clear()
    response = client.post("/sign-in/", {"identifier": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert sent[:3] == ["SELECT", "BEGIN", "INSERT"] or sent[:3] == ["SELECT", "BEGIN", "UPDATE"]
    assert sent[-1] == "COMMIT" and sent.count("BEGIN") == sent.count("COMMIT") == 1


def test_writes_after_reads_still_roll_back_together(user, sent):
    on_the_postgresql_pass()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert User.objects.filter(pk=user.pk).exists()
        User.objects.filter(pk=user.pk).update(first_name="changed")
        UserSession.objects.create(session_key="k" * 32, expire_date=clock.now())
        raise RuntimeError
    assert sent == ["SELECT", "BEGIN", "UPDATE", "INSERT", "ROLLBACK"]
    user.refresh_from_db()
    assert user.first_name != "changed" and not UserSession.objects.exists()


def test_locking_reads_savepoints_and_server_side_cursors_begin_the_transaction(user, sent):
    on_the_postgresql_pass()
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    assert sent == ["BEGIN", "SELECT FOR UPDATE", "COMMIT"]
    sent.clear()
    with transaction.atomic(), transaction.atomic():
        pass
    assert sent[:2] == ["BEGIN", "SAVEPOINT"]
    with transaction.atomic():
        assert [u.pk for u in User.objects.iterator(chunk_size=10)] == [user.pk]


def test_a_stricter_isolation_level_begins_as_django_does(user, sent):
    on_the_postgresql_pass()
    connection.ensure_connection()
    # What connecting with OPTIONS {"isolation_level": REPEATABLE_READ} sets.
    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    connection.connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    try:
        with transaction.atomic():
            assert User.objects.filter(pk=user.pk).exists()
        assert sent == ["BEGIN", "SELECT", "COMMIT"]  # one snapshot for the whole block
    finally:
        connection.close()  # the next connection reads the settings again
