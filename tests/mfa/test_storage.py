"""Codes are stored only as keyed hashes: no backup code or SMS code appears in plain text
in any text column of any table (sessions decoded too)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.sessions.backends.base import SessionBase
from django.db import models

from authflows.models import UserSession
from tests.conftest import last_code
from tests.mfa.conftest import (
    PHONE,
    create_backup_codes,
    enrol_phone,
    enrol_totp,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_on")]

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _all_text() -> list[str]:
    """Every text value of every model's table, and every session's decoded data."""
    values: list[str] = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        for row in model._base_manager.values_list(*names) if names else []:
            values.extend(str(v) for v in row if v)
    for session in UserSession.objects.all():
        values.append(repr(SessionBase().decode(session.session_data)))
    return values


def test_no_code_in_plain_text(client, signed_in, sms_outbox):
    enrol_phone(signed_in, sms_outbox)
    enrol_code = last_code(sms_outbox[-1].body)
    enrol_totp(signed_in)
    backup = create_backup_codes(signed_in)
    sign_out(signed_in)
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/?strategy=phone_code")
    sign_in_code = last_code(sms_outbox[-1].body)
    assert len(sms_outbox) == 2

    text = "\n".join(_all_text())
    assert PHONE in text  # control: the scan reads the MFA and verification rows
    for code in [*backup, *(c.replace("-", "") for c in backup), enrol_code, sign_in_code]:
        # Whole tokens only: a hex hash may contain any six digits by chance.
        assert not re.search(rf"\b{code}\b", text), code
