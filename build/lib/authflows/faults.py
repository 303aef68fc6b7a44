"""Fault injection for the crash tests: a process told (by the AUTHFLOWS_CRASH_AT environment
variable, set only by those tests) to die at a named point dies there, at once, the way a
killed worker does. Unset, as everywhere else, this does nothing."""

from __future__ import annotations

import os

CRASH_AT_ENV = "AUTHFLOWS_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_AT_ENV) == name:
        os._exit(70)  # no cleanup, no commit, no response: a worker killed at this instant
