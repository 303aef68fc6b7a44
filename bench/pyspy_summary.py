"""Summarise py-spy's raw (collapsed) stacks of the gunicorn workers: the share of samples
spent inside each function (inclusive), for the project's code and the layers around it."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:]+)(?::\d+)?\)$")
# Where a sign-in's time goes, by layer. A sample belongs to its innermost frame that some
# layer claims (standard-library frames belong to their caller's layer); for that frame the
# first layer listed that names it wins, so the narrower names come first.
LAYERS = [
    ("password hashing (libsodium through PyNaCl, argon2-cffi)", ("nacl/", "argon2/")),
    (
        "database driver (psycopg and Django's backend, waiting on PostgreSQL)",
        ("psycopg/", "django/db/backends/", "authflows/postgresql/"),
    ),
    ("cache client (redis-py, waiting on Redis)", ("redis/",)),
    ("ORM: building and compiling queries", ("django/db/",)),
    ("templates", ("django/template/", "authflows/templatetags/")),
    ("the project's code (flows, views, middleware)", ("authflows/",)),
    (
        "Django and other middleware (request handling, sessions, CSRF, CSP)",
        ("django/", "whitenoise/", "csp/", "asgiref/"),
    ),
    ("gunicorn (HTTP parsing, sockets)", ("gunicorn/",)),
]


def frames(line: str) -> tuple[list[tuple[str, str]], int]:
    """A line's frames, outermost first, and its sample count; none for a line that is not a
    stack (py-spy writes a frame whose name holds a line break across two lines)."""
    stack, _, count = line.rpartition(" ")
    if not count.isdigit():
        return [], 0
    parsed = []
    for frame in stack.split(";"):
        match = FRAME.match(frame.strip())
        if match:
            parsed.append((match["function"], match["file"]))
    return parsed, int(count)


def summarize(paths: list[Path], *, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            stack, count = frames(line)
            total += count
            seen = set()
            for function, file in stack:
                if "authflows/" in file and "site-packages" not in file:
                    name = f"{function} ({file.split('authflows/', 1)[-1]})"
                    if name not in seen:
                        seen.add(name)
                        inclusive[name] += count
            layers[layer_of(stack)] += count
    if not total:
        return "no samples\n"
    lines = ["Where the workers' time went (share of samples):", ""]
    lines += [f"  {share / total:6.1%}  {name}" for name, share in layers.most_common()]
    lines += ["", "Inside the project's code (inclusive):", ""]
    lines += [f"  {share / total:6.1%}  {name}" for name, share in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"


def layer_of(stack: list[tuple[str, str]]) -> str:
    for function, file in reversed(stack):
        if function in ("select", "poll", "wait") and "selectors" in file:
            return "idle (waiting for a connection)"
        for name, needles in LAYERS:
            if any(needle in file for needle in needles):
                return name
    return "other Python (standard library)"


if __name__ == "__main__":
    print(summarize([Path(p) for p in sys.argv[1:]]), end="")
