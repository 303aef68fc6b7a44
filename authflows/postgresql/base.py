"""Django's PostgreSQL backend (ENGINE "authflows.postgresql"), with CONN_HEALTH_CHECKS paid
only by a connection that has been quiet.

Django checks a reused connection with a `SELECT 1` round trip at the start of every request
(each request opens a transaction, which triggers the check). A connection that answered a
statement less than RECENT_SECONDS ago skips it: under load every request then saves a round
trip, and a connection left idle (where a restarted or failed-over server shows) is still
checked before use. A server lost within that second fails the request that meets it
(answered 503, like any outage); Django then drops the connection, and the next request opens
a new one.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

RECENT_SECONDS = 1.0


def _note_answer(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    context["connection"].answered_at = time.monotonic()
    return result


class DatabaseWrapper(base.DatabaseWrapper):
    answered_at = float("-inf")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(_note_answer)

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
        super().close()
