"""Backup codes: a set of ten shown once, hashed, single use, only beside a real method;
and the useBackupCode checkbox at sign-in."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from authflows import clock
from authflows.models import AuthEvent, BackupCode
from tests.conftest import error_codes
from tests.mfa.conftest import (
    backup_codes_form,
    create_backup_codes,
    enrol_totp,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = pytest.mark.django_db


def _use(client, code: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/sign-in/factor-two/", {"strategy": "totp", "useBackupCode": "on", "code": code, **extra}
    )


def test_codes_need_a_real_method_first(signed_in, user):
    page = signed_in.get("/user/").content.decode()
    assert "Create backup codes" not in page
    response = signed_in.post("/user/mfa/backup-codes/", backup_codes_form(signed_in))
    assert response["Location"] == "/user/"
    assert not BackupCode.objects.filter(user=user).exists()


def test_a_set_is_shown_once_with_copy_and_download(signed_in, user):
    enrol_totp(signed_in)
    assert "Create backup codes" in signed_in.get("/user/").content.decode()
    response = signed_in.post("/user/mfa/backup-codes/", backup_codes_form(signed_in))
    page = response.content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", page)
    assert len(codes) == len(set(codes)) == 10
    assert all(not set(c) & set("01oli") for c in codes)  # unambiguous alphabet
    assert response["Cache-Control"] == "no-store"
    assert 'id="copy-backup-codes"' in page
    assert "authflows/backup_codes.js" in page
    href = re.search(r'id="download-backup-codes" download="[^"]+\.txt" href="([^"]+)"', page)
    assert href and href.group(1).startswith("data:text/plain;charset=utf-8,")
    assert unquote(href.group(1).split(",", 1)[1]).split() == codes
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.BACKUP_CODES_CREATED, user=user).exists()
    # Never again: the account page shows only how many are left.
    account = signed_in.get("/user/").content.decode()
    assert 'data-backup-codes-left="10"' in account
    assert not any(code in account for code in codes)
    offer = signed_in.get("/user/mfa/backup-codes/").content.decode()
    assert not any(code in offer for code in codes)


def test_a_reloaded_codes_page_makes_no_new_set(signed_in, user):
    """Reloading the page that shows the codes resubmits its form: the set stays, and the
    page says the codes were shown already instead of silently making another set."""
    enrol_totp(signed_in)
    form = backup_codes_form(signed_in)
    first = signed_in.post("/user/mfa/backup-codes/", form).content.decode()
    hashes = set(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True))
    again = signed_in.post("/user/mfa/backup-codes/", form)
    assert again.status_code == 200
    assert "were already shown" in again.content.decode()
    assert set(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True)) == hashes
    assert "<li><code>" in first and "<li><code>" not in again.content.decode()


def test_a_new_set_replaces_the_old(client, signed_in):
    enrol_totp(signed_in)
    old = create_backup_codes(signed_in)
    new = create_backup_codes(signed_in)
    assert not set(old) & set(new)
    sign_out(signed_in)
    start_mfa_sign_in(client)
    assert error_codes(_use(client, old[0])) == ["form_code_incorrect"]
    assert _use(client, new[0]).status_code == 302


def test_codes_refused_when_the_dashboard_has_them_off(signed_in, user, instance):
    enrol_totp(signed_in)
    instance(mfa_backup_code=False)
    assert "Create backup codes" not in signed_in.get("/user/").content.decode()
    signed_in.post("/user/mfa/backup-codes/", backup_codes_form(signed_in))
    assert not BackupCode.objects.filter(user=user).exists()


@pytest.fixture
def backup_codes(signed_in):  # type: ignore[no-untyped-def]
    enrol_totp(signed_in)
    codes = create_backup_codes(signed_in)
    sign_out(signed_in)
    return codes


def test_sign_in_with_a_backup_code(client, backup_codes, user, django_assert_max_num_queries):
    start_mfa_sign_in(client, redirect_url="/user/")
    page = client.get("/sign-in/factor-two/").content.decode()
    assert 'name="useBackupCode"' in page and "Use backup code" in page
    with django_assert_max_num_queries(8):
        response = _use(client, backup_codes[3])
    assert response["Location"] == "/user/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert 'data-backup-codes-left="9"' in client.get("/user/").content.decode()


def test_backup_code_is_case_and_dash_insensitive(client, backup_codes):
    start_mfa_sign_in(client)
    assert _use(client, backup_codes[0].replace("-", "").upper()).status_code == 302


def test_the_backupcode_field_name_works_too(client, backup_codes):
    start_mfa_sign_in(client)
    response = client.post(
        "/sign-in/factor-two/", {"strategy": "totp", "backupCode": "on", "code": backup_codes[1]}
    )
    assert response.status_code == 302


def test_wrong_backup_code(client, backup_codes, django_assert_max_num_queries):
    start_mfa_sign_in(client)
    with django_assert_max_num_queries(8):
        response = _use(client, "zzzz-zzzz")
    assert response.status_code == 400
    assert error_codes(response) == ["form_code_incorrect"]
    assert "_auth_user_id" not in client.session


def test_a_used_backup_code_is_refused(client, browser, backup_codes):
    start_mfa_sign_in(client)
    assert _use(client, backup_codes[0]).status_code == 302
    start_mfa_sign_in(browser)
    assert error_codes(_use(browser, backup_codes[0])) == ["form_code_incorrect"]


def test_backup_codes_do_not_expire(client, backup_codes):
    """Unlike SMS codes they have no lifetime: a year-old set still signs in once."""
    clock.advance(365 * 24 * 3600)
    start_mfa_sign_in(client)
    assert _use(client, backup_codes[0]).status_code == 302


def test_exhausted_backup_code_tries_lock_the_user(client, backup_codes, instance):
    instance(lockout_max_attempts=5)
    start_mfa_sign_in(client)
    for _ in range(5):
        assert error_codes(_use(client, "zzzz-zzzz")) == ["form_code_incorrect"]
    assert error_codes(_use(client, backup_codes[0])) == ["user_locked"]
    assert "_auth_user_id" not in client.session


def test_backup_code_not_enrolled_is_refused(client, signed_in):
    enrol_totp(signed_in)
    sign_out(signed_in)
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/").content.decode()
    assert 'name="useBackupCode"' not in page
    assert error_codes(_use(client, "abcd-efgh")) == ["strategy_for_user_invalid"]
    response = client.post("/sign-in/factor-two/", {"strategy": "backup_code", "code": "abcd-efgh"})
    assert error_codes(response) == ["strategy_for_user_invalid"]


def test_backup_codes_disabled_in_the_dashboard_are_refused(client, backup_codes, instance):
    instance(mfa_backup_code=False)
    start_mfa_sign_in(client)
    assert 'name="useBackupCode"' not in client.get("/sign-in/factor-two/").content.decode()
    assert error_codes(_use(client, backup_codes[0])) == ["strategy_for_user_invalid"]
    assert "_auth_user_id" not in client.session
