"""Load the demo users of fixtures/demo.json and give them the documented password
(and, per user, the documented MFA methods). Safe to run again."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from authflows.models import User

DEMO_PASSWORD = "demo-password-2468"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-2468"


class Command(BaseCommand):
    help = "Create the demo users (README lists them) and the development superuser."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--no-admin", action="store_true", help="skip the superuser")

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        fixture = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
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
