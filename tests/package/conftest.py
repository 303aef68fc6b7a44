"""The built distributions, once per test session: `python -m build` from this checkout, as a
release builds them (the sdist first, then the wheel from the unpacked sdist)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, (
        f"python -m build failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    )
    [sdist] = out.glob("authflows-*.tar.gz")
    [wheel] = out.glob("authflows-*-py3-none-any.whl")
    return Dists(sdist=sdist, wheel=wheel)
