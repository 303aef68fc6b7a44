"""gunicorn settings for the `web` process (Procfile, deploy/systemd/authflows-web.service).

BIND: where to listen (default 127.0.0.1:8000, or 0.0.0.0:$PORT when a platform sets PORT);
WEB_CONCURRENCY: worker processes (default 2: the work is CPU-bound password hashing, so about
one per core). Every access log line ends with the request id the site answered.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import Any

_port = os.environ.get("PORT")
bind = os.environ.get("BIND") or (f"0.0.0.0:{_port}" if _port else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# No request waits on mail or SMS (they are queued) and every network call has a timeout of a
# few seconds, so a request that runs for 30 s is stuck: gunicorn replaces its worker.
timeout = 30
graceful_timeout = 20
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'

# Counters (/metrics): every worker writes its counts to a file in PROMETHEUS_MULTIPROC_DIR,
# and /metrics sums the files, so one scrape sees the whole host. Set it to a directory the
# message worker shares (deploy/systemd: /run/authflows-metrics) to count its sends too;
# unset, each start gets a fresh directory of its own, removed at exit.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
_own_metrics_dir = not _metrics_dir
if _own_metrics_dir:
    _metrics_dir = tempfile.mkdtemp(prefix="authflows-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir
os.makedirs(_metrics_dir, exist_ok=True)


#: One Argon2 hash in a child process, before any worker starts (on_starting).
ARGON2_PROBE = (
    "import argon2; h = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1); "
    "assert h.verify(h.hash('probe'), 'probe')"
)


def argon2_refusal(probe: str = ARGON2_PROBE) -> str:
    """Why argon2-cffi cannot run here, or "" when it can. A build with AVX2 copied to a CPU
    without it dies of SIGILL at its first hash: every worker would, over and over."""
    command = [sys.executable, "-c", probe]  # this Python, a fixed program
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if done.returncode == -signal.SIGILL:
        return (
            "argon2-cffi was built for a CPU with instructions this one lacks (SIGILL). Run "
            "deploy/build-argon2.sh on this host, or reinstall the wheel: pip install "
            "--force-reinstall --no-deps --only-binary :all: argon2-cffi-bindings"
        )
    if done.returncode != 0:
        return f"argon2-cffi failed its probe: {done.stderr.decode(errors='replace')[-2000:]}"
    return ""


def on_starting(server: Any) -> None:
    refusal = argon2_refusal()
    if refusal:
        server.log.error(refusal)
        raise SystemExit(refusal)


def post_worker_init(worker: Any) -> None:
    # Under ARGON2_VERIFIER=auto each process times its two Argon2 verifiers once: here, as the
    # worker starts, rather than inside its first sign-in.
    from authflows import hashers

    hashers.verifier()


def child_exit(server: object, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: object) -> None:
    if _own_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
