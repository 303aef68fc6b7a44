"""The demo users work as the README documents them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from django.core.management import call_command

from authflows import clock
from authflows.management.commands.demo_data import DEMO_PASSWORD
from authflows.models import BackupCode, PhoneMFA, User
from tests.conftest import last_code
from tests.mfa.conftest import start_mfa_sign_in

pytestmark = pytest.mark.django_db

README = (Path(settings.BASE_DIR) / "README.md").read_text()


def _readme_row(email: str) -> str:
    return next(line for line in README.splitlines() if line.startswith(f"| `{email}`"))


def test_totp_demo_user_signs_in_with_the_documented_secret(client):
    call_command("demo_data", "--no-admin", stdout=io.StringIO())
    secret = re.search(r"key `([A-Z2-7]{32})`", _readme_row("tom@example.com")).group(1)  # type: ignore[union-attr]
    start_mfa_sign_in(client, "tom@example.com", password=DEMO_PASSWORD)
    code = pyotp.TOTP(secret).at(int(clock.now().timestamp()))
    response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": code})
    assert response["Location"] == "/"


def test_backup_demo_user_and_the_documented_code(client):
    call_command("demo_data", "--no-admin", stdout=io.StringIO())
    code = re.search(r"`([a-z2-9]{4}-[a-z2-9]{4})` is unused", _readme_row("bea@example.com"))
    user = User.objects.get(email="bea@example.com")
    assert BackupCode.objects.filter(user=user, used_at__isnull=True).count() == 10
    start_mfa_sign_in(client, "bea@example.com", password=DEMO_PASSWORD)
    response = client.post(
        "/sign-in/factor-two/",
        {"strategy": "totp", "useBackupCode": "on", "code": code.group(1)},  # type: ignore[union-attr]
    )
    assert response["Location"] == "/"
    # Running the command again makes the documented code unused again.
    call_command("demo_data", "--no-admin", stdout=io.StringIO())
    assert BackupCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_sms_demo_user(client, sms_on, sms_outbox):
    call_command("demo_data", "--no-admin", stdout=io.StringIO())
    assert PhoneMFA.objects.get(user__email="sally@example.com").phone == "+441632960962"
    assert "+441632960962" in _readme_row("sally@example.com")
    start_mfa_sign_in(client, "sally@example.com", password=DEMO_PASSWORD)
    client.get("/sign-in/factor-two/")
    code = last_code(sms_outbox[-1].body)
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    assert response["Location"] == "/"
