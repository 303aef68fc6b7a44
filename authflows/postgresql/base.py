"""Django's PostgreSQL backend (ENGINE "authflows.postgresql"), with CONN_HEALTH_CHECKS paid
only by a connection that has been quiet, and transactions begun at their first write.

Django checks a reused connection with a `SELECT 1` round trip at the start of every request
(each request opens a transaction, which triggers the check). A connection that answered a
statement less than RECENT_SECONDS ago skips it: under load every request then saves a round
trip, and a connection left idle (where a restarted or failed-over server shows) is still
checked before use. A server lost within that second fails the request that meets it
(answered 503, like any outage); Django then drops the connection, and the next request opens
a new one.

Every request runs in a transaction (authflows.middleware.StepTransactionMiddleware). A page
that only reads would pay a BEGIN and a COMMIT round trip around its one or two SELECTs. So,
at Django's default isolation level (READ COMMITTED, where each statement sees what was
committed before it began, inside a transaction or not), an atomic block's transaction is
begun at its first statement that is not a plain SELECT: a write, a locking read (FOR UPDATE),
a savepoint, a server-side cursor. Every write, and every read after the first write, is in
the transaction, as before; the SELECTs before it run on their own. Under a stricter
isolation level (OPTIONS "isolation_level") transactions begin as Django begins them; like
Django, this takes the server's default_transaction_isolation to be PostgreSQL's own.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg import IsolationLevel

RECENT_SECONDS = 1.0
#: A statement that needs no transaction: a SELECT that locks nothing.
_PLAIN_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_LOCKING = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)


def _begin_when_needed(
    execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    connection = context["connection"]
    if connection.begin_pending and (not _PLAIN_SELECT.match(sql) or _LOCKING.search(sql)):
        connection.begin_now()
    return execute(sql, params, many, context)


def _note_answer(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    context["connection"].answered_at = time.monotonic()
    return result


class DatabaseWrapper(base.DatabaseWrapper):
    answered_at = float("-inf")
    #: Set by Django's backend when it connects (outside its type stubs).
    isolation_level: IsolationLevel | None = None
    #: Django has begun an atomic block whose transaction is not begun yet (psycopg is still
    #: in autocommit): the first statement that needs it begins it.
    begin_pending = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.extend([_begin_when_needed, _note_answer])

    def _set_autocommit(self, autocommit: bool) -> None:
        if not autocommit and self.isolation_level == IsolationLevel.READ_COMMITTED:
            self.begin_pending = True  # begun by begin_now(), at the first statement needing it
            return
        if autocommit and self.begin_pending:
            self.begin_pending = False  # nothing was begun: psycopg is in autocommit already
            return
        self._driver_autocommit(autocommit)

    def begin_now(self) -> None:
        """Leave autocommit: psycopg sends BEGIN before the next statement."""
        self.begin_pending = False
        self._driver_autocommit(False)

    def _driver_autocommit(self, autocommit: bool) -> None:
        """What Django's backend does to set autocommit: psycopg's own setting."""
        with self.wrap_database_errors:
            self.connection.autocommit = autocommit

    def create_cursor(self, name: str | None = None) -> Any:
        if name and self.begin_pending:  # a server-side cursor lives in a transaction
            self.begin_now()
        return super().create_cursor(name)

    def close_if_health_check_failed(self) -> None:
        recent = time.monotonic() - self.answered_at < RECENT_SECONDS
        if recent and self.connection is not None and not self.errors_occurred:
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def is_usable(self) -> bool:
        usable = bool(super().is_usable())
        if usable:
            self.answered_at = time.monotonic()
        return usable

    def close(self) -> None:
        self.answered_at = float("-inf")
        self.begin_pending = False
        super().close()
