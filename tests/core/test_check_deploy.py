"""`manage.py check --deploy` with production-like settings prints no warnings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from authflows.delivery.sms import NotConfiguredBackend, SMSNotConfigured


def run_check(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "PUBLIC_ORIGIN": "https://example.com",
        "CACHE_URL": "redis://127.0.0.1:6379/0",  # named, not reached by the check
        **extra,
    }
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env={name: value for name, value in env.items() if value},  # "" leaves it unset
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


def test_check_deploy_warns_about_an_sms_backend_that_prints_codes(tmp_path):
    """The console backend writes each SMS (with its code) to the server's output."""
    console = "authflows.delivery.sms.ConsoleBackend"
    result = run_check(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", SMS_BACKEND=console
    )
    assert result.returncode != 0
    assert "authflows.W002" in result.stdout + result.stderr


def test_check_deploy_warns_when_links_have_no_configured_origin(tmp_path):
    result = run_check(tmp_path, "check", "--deploy", "--fail-level", "WARNING", PUBLIC_ORIGIN="")
    assert result.returncode != 0
    assert "authflows.W003" in result.stdout + result.stderr


def test_production_sms_default_sends_nothing_and_prints_nothing(capsys):
    """Without SMS_BACKEND in production, a message is refused, never printed."""
    with pytest.raises(SMSNotConfigured):
        NotConfiguredBackend().send(to="+14155550100", body="123456 is your code")
    assert "123456" not in capsys.readouterr().out


def test_check_deploy_warns_when_the_cache_is_not_shared(tmp_path):
    """Without CACHE_URL each process would keep its own limits and sign-ins in progress."""
    result = run_check(tmp_path, "check", "--deploy", "--fail-level", "WARNING", CACHE_URL="")
    assert result.returncode != 0
    assert "authflows.W004" in result.stdout + result.stderr
