"""The performance peer: a minimal django-allauth site (../shared/bench/allauth-peer), run on
the same terms as authflows (see that folder's README): the same Argon2 parameters, its own
PostgreSQL database and Redis database, gunicorn with the same flags and worker count, cached
database sessions (like ours), TOTP codes accepted one step either side (like ours), and its
rate limits off (ours are raised out of reach).

Its virtualenv is built outside the checkout with the peer's own setup.sh, at the exact
versions of its requirements.lock, when it is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import processes

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "bench" / "allauth-peer"
DEFAULT_VENV = Path(tempfile.gettempdir()) / "authflows-bench-allauth-venv"
CHECK_IMPORTS = "import allauth, argon2, django, gunicorn, httpx, psycopg, pyotp, redis"


@dataclass
class Peer:
    folder: Path  # allauth-peer/
    venv: Path

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def site(self) -> Path:
        return self.folder / "site"

    @property
    def tools(self) -> Path:
        """flowload.py and argon2_bound.py sit next to the peer's folder."""
        return self.folder.parent

    def flow(self, name: str) -> Path:
        return self.folder / "flows" / name


def locate(folder: str | None, venv: str | None) -> tuple[Peer | None, str]:
    """The peer at `folder` (else $BENCH_PEER_DIR, else ../shared/bench/allauth-peer), or
    None and the reason it cannot run."""
    path = Path(folder or os.environ.get("BENCH_PEER_DIR") or DEFAULT_DIR).resolve()
    venv_path = Path(venv or os.environ.get("BENCH_PEER_VENV") or DEFAULT_VENV)
    needed = [
        path / "setup.sh",
        path / "site" / "manage.py",
        path / "flows" / "password.json",
        path / "flows" / "totp.json",
        path / "flows" / "authflows-trusted.json",
        path / "flows" / "authflows-totp.json",
        path.parent / "flowload.py",
    ]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        return None, f"the allauth peer is missing: no {missing[0]}"
    return Peer(folder=path, venv=venv_path), ""


def venv_ready(peer: Peer) -> bool:
    if not Path(peer.python).exists():
        return False
    check = subprocess.run([peer.python, "-c", CHECK_IMPORTS], capture_output=True)
    return check.returncode == 0


def ensure_venv(peer: Peer, log: Path) -> None:
    """Build the peer's virtualenv with its setup.sh (pinned versions) unless it works."""
    if venv_ready(peer):
        return
    print(f"   building the allauth peer's virtualenv in {peer.venv} (once)", flush=True)
    env = dict(os.environ, VENV=str(peer.venv), LOCKED="1", PYTHONDONTWRITEBYTECODE="1")
    with log.open("ab") as out:
        subprocess.run(
            [shutil.which("bash") or "/bin/bash", str(peer.folder / "setup.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=1200,
        )
    if not venv_ready(peer):
        raise RuntimeError(f"the peer's virtualenv does not import its packages, see {log}")


def environment(
    *, database_url: str, cache_url: str, argon2: dict[str, int], data_dir: Path
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchsite.settings",
        BENCH_DATA_DIR=str(data_dir),
        BENCH_DATABASE_URL=database_url,
        BENCH_CACHE_URL=cache_url,
        BENCH_SESSION_ENGINE="cached_db",  # the closest to ours: database rows, cache in front
        BENCH_TOTP_TOLERANCE="1",  # ours accepts one step either side too
        ARGON2_TIME_COST=str(argon2["time_cost"]),
        ARGON2_MEMORY_COST=str(argon2["memory_cost"]),
        ARGON2_PARALLELISM=str(argon2["parallelism"]),
        PYTHONDONTWRITEBYTECODE="1",  # the peer's folder is shared: leave it as it is
    )
    return env


def prepare(peer: Peer, env: dict[str, str], *, users: int, log: Path) -> Path:
    """A fresh database with `users` accounts, half of them with TOTP; returns users.json."""
    processes.fresh_database(env["BENCH_DATABASE_URL"])
    out = Path(env["BENCH_DATA_DIR"]) / "users.json"
    manage = [peer.python, "manage.py"]
    with log.open("ab") as sink:
        for argv in (
            ["migrate", "--noinput", "-v0"],
            ["make_bench_users", "--n", str(users), "--mfa-fraction", "0.5", "--out", str(out)],
        ):
            subprocess.run(
                manage + argv,
                env=env,
                cwd=peer.site,
                check=True,
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=600,
            )
    data = json.loads(out.read_text())
    if not data.get("plain") or not data.get("mfa"):
        raise RuntimeError(f"the peer created no users, see {log}")
    return out


def start(peer: Peer, env: dict[str, str], *, port: int, workers: int, log: Path):  # type: ignore[no-untyped-def]
    return processes.start_gunicorn(
        peer.python,
        "benchsite.wsgi:application",
        port=port,
        workers=workers,
        env=env,
        cwd=peer.site,
        log=log,
    )
