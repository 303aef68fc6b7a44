"""`manage.py check --deploy` with production-like settings prints no warnings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def run_check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_prints_no_warnings(tmp_path):
    result = run_check(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_check_deploy_on_a_migrated_database_still_prints_no_warnings(tmp_path):
    migrate = run_check(tmp_path, "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr
    result = run_check(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_test_mode_is_on_in_production(tmp_path):
    assert run_check(tmp_path, "migrate", "--noinput").returncode == 0
    turn_on = (
        "from authflows.models import InstanceSettings; "
        "row = InstanceSettings.load(); row.test_mode = True; row.save()"
    )
    assert run_check(tmp_path, "shell", "-c", turn_on).returncode == 0
    result = run_check(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "authflows.W001" in result.stdout + result.stderr
