"""Processes the benchmark starts and the CPU time they spend, read from /proc.

Every server listens on 127.0.0.1 and runs in its own process group, so stopping it stops its
children too. CPU time is utime + stime of each process, so what a neighbour on the machine
runs is never counted against a site (it shows as "other programs' CPU" instead).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

TICKS = os.sysconf("SC_CLK_TCK")
GUNICORN_FLAGS = [
    "--worker-class",
    "sync",
    "--backlog",
    "2048",
    "--timeout",
    "120",
    "--log-level",
    "warning",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{what} did not start listening on 127.0.0.1:{port}")


def start(argv: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """Start a server in its own process group, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to the process group, SIGKILL if it is still there after `timeout`."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


def start_gunicorn(
    python: str, app: str, *, port: int, workers: int, env: dict[str, str], cwd: Path, log: Path
) -> subprocess.Popen:
    """gunicorn with the flags every site in the benchmark gets (sync workers, no access log)."""
    argv = [python, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(workers), *GUNICORN_FLAGS]
    server = start(argv, env=env, cwd=cwd, log=log)
    wait_for_port(port, server, f"gunicorn ({app}), see {log}")
    for _ in range(100):
        if len(children(server.pid)) >= workers:
            break
        time.sleep(0.1)
    return server


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def tree(pid: int) -> list[int]:
    """A process and its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(children(current))
    return pids


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two snapshots; processes that started in between count whole,
    those that ended in between (an idle database connection closing) are not counted."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on this machine (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin_url(url: str) -> str:
    """The same server's maintenance database."""
    parts = urlsplit(url)
    return parts._replace(path="/postgres").geturl()


def fresh_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_backends(url: str) -> list[int]:
    """PostgreSQL's server processes for the connections to this URL's database: a site's
    share of the database CPU, whoever else uses the same server."""
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database_name(url),)
        ).fetchall()
    return [int(pid) for (pid,) in rows]


class OwnRedis:
    """A redis-server of the benchmark's own on a free loopback port, nothing saved to disk:
    its CPU is the sites' alone, and nobody else's keys are near it."""

    def __init__(self, tmp: Path, binary: str = "redis-server") -> None:
        self.port = free_port()
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(tmp), "--protected-mode", "yes"]
        self.process = start(argv, env=dict(os.environ), cwd=tmp, log=tmp / "redis.log")
        wait_for_port(self.port, self.process, f"redis-server, see {tmp / 'redis.log'}")

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        stop(self.process)
