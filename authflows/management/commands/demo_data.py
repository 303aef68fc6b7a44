"""Load the demo users of fixtures/demo.json (authflows/fixtures/ in an installed wheel) and
give them the documented password (and, per user, the documented MFA methods). Safe to run
again."""

from __future__ import annotations

import base64
import json

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from authflows import paths
from authflows.factors import backup_code
from authflows.models import BackupCode, PhoneMFA, User

DEMO_PASSWORD = "demo-password-2468"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-2468"
# Documented in the README so anyone can add them to an authenticator app (base32).
DEMO_TOTP_SECRETS = {
    "tom@example.com": "AUTHFLOWSDEMOTOTPSECRETKEYABCDEF",
    "bea@example.com": "AUTHFLOWSBACKUPDEMOTOTPSECRETXYZ",
}
DEMO_SMS_MFA = {"sally@example.com": "+441632960962"}
# bea's documented backup code; the other nine of her set are random and never shown.
DEMO_BACKUP_CODE = ("bea@example.com", "bkup-2468")


class Command(BaseCommand):
    help = "Create the demo users (README lists them) and the development superuser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-admin", action="store_true", help="skip the superuser")

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        fixture = paths.data_dir("fixtures") / "demo.json"
        for row in json.loads(fixture.read_text()):
            fields = dict(row["fields"])
            fields.pop("password", None)
            user = User.objects.filter(email=fields["email"]).first()
            if user is None:
                user = User.objects.create_user(password=DEMO_PASSWORD, **fields)
                self.stdout.write(f"created demo user {user.email}")
            self.add_extras(user)
        if not options["no_admin"] and not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(ADMIN_EMAIL, ADMIN_PASSWORD)
            self.stdout.write(f"created development superuser {ADMIN_EMAIL}")

    def add_extras(self, user: User) -> None:
        """Per-user MFA methods for the demo (none for password-only users)."""
        if user.email in DEMO_TOTP_SECRETS:
            self.add_totp(user, DEMO_TOTP_SECRETS[user.email])
        if user.email in DEMO_SMS_MFA:
            PhoneMFA.objects.get_or_create(user=user, defaults={"phone": DEMO_SMS_MFA[user.email]})
        if user.email == DEMO_BACKUP_CODE[0]:
            self.add_backup_codes(user, DEMO_BACKUP_CODE[1])

    def add_totp(self, user: User, secret: str) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        key = base64.b32decode(secret).hex()
        TOTPDevice.objects.update_or_create(
            user=user,
            confirmed=True,
            defaults={"name": "Authenticator app", "key": key, "digits": 6, "step": 30, "t0": 0},
        )

    def add_backup_codes(self, user: User, known: str) -> None:
        """A set of ten whose documented code is unused again after every run."""
        if not BackupCode.objects.filter(user=user).exists():
            backup_code.replace_codes(user)
            # Nine random codes plus the documented one: a set of ten.
            BackupCode.objects.filter(
                pk__in=BackupCode.objects.filter(user=user).order_by("pk")[:1]
            ).delete()
        code_hash = backup_code._hash(user, known)
        BackupCode.objects.update_or_create(
            user=user, code_hash=code_hash, defaults={"used_at": None}
        )
