"""Housekeeping for a periodic job (cron, a systemd timer): mark sign-ups left for 24 hours as
abandoned and delete sign-in attempts that expired more than a day ago. Safe to run often."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from authflows.flows import housekeeping


class Command(BaseCommand):
    help = "Abandon stale sign-ups and delete long-expired sign-in attempts."

    def handle(self, *args: object, **options: object) -> None:
        abandoned, deleted = housekeeping.clear_stale()
        self.stdout.write(f"abandoned {abandoned} sign-ups; deleted {deleted} sign-in attempts")
