"""Housekeeping for a periodic job (cron, a systemd timer): mark sign-ups left for 24 hours as
abandoned and delete sign-in attempts that expired more than a day ago. Safe to run often."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from authflows.flows.sign_in import clear_expired_attempts
from authflows.flows.sign_up import abandon_stale_attempts


class Command(BaseCommand):
    help = "Abandon stale sign-ups and delete long-expired sign-in attempts."

    def handle(self, *args: object, **options: object) -> None:
        abandoned = abandon_stale_attempts()
        deleted = clear_expired_attempts()
        self.stdout.write(f"abandoned {abandoned} sign-ups; deleted {deleted} sign-in attempts")
