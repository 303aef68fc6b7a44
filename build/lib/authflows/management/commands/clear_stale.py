"""Housekeeping, run by `manage.py maintenance` (the Procfile's scheduler) or a timer: abandon
stale sign-ups and delete what nobody will use again, within the Dashboard's retention
settings (see authflows/flows/housekeeping.py). Safe to run often."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from authflows.flows import housekeeping


class Command(BaseCommand):
    help = "Abandon stale sign-ups and delete expired attempts, codes, sessions, clients, events."

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = housekeeping.prune()
        self.stdout.write(
            f"abandoned {pruned.abandoned_sign_ups} sign-ups; "
            f"deleted {pruned.sign_in_attempts} sign-in attempts; {pruned}"
        )
