"""Create the benchmark's users in the database named by DATABASE_URL (run with the bench's
environment, after migrate). Prints a JSON description of them for the load generator.

Users of a group whose name contains "totp" get a confirmed TOTP device. Every user gets the
same password, hashed once with the configured Argon2 parameters: each sign-in still pays one
full verification, and setup does not pay one hash per user.
"""

from __future__ import annotations

import json
import os
import secrets
import sys

import django

PASSWORD = "bench-passphrase-correct-horse-7"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authflows.settings")
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from authflows.models import InstanceSettings, User
    from authflows.models.identification import add_primary_rows

    counts = json.loads(sys.argv[1])
    settings = InstanceSettings.load()
    settings.client_trust = True
    settings.save()
    encoded = make_password(PASSWORD)
    users: dict[str, list[dict[str, str]]] = {}
    for group, count in counts.items():
        rows = [
            User(email=f"{group}{i}@bench.example", password=encoded, email_verified=True)
            for i in range(count)
        ]
        User.objects.bulk_create(rows, batch_size=500)
        add_primary_rows(rows)  # bulk_create set their keys (PostgreSQL)
        users[group] = [{"email": row.email} for row in rows]
    totp_groups = [group for group in counts if "totp" in group]
    emails = [row["email"] for group in totp_groups for row in users[group]]
    totp_users = User.objects.filter(email__in=emails).order_by("pk")
    devices = [
        TOTPDevice(user=user, name="bench", confirmed=True, key=secrets.token_hex(20))
        for user in totp_users
    ]
    TOTPDevice.objects.bulk_create(devices, batch_size=500)
    keys = {device.user.email: device.key for device in devices}
    for group in totp_groups:
        for row in users[group]:
            row["totp_key"] = keys[row["email"]]
    json.dump({"password": PASSWORD, "users": users}, sys.stdout)


if __name__ == "__main__":
    main()
