"""Scheduled maintenance, run from a timer (systemd, cron) or looping as the Procfile's
`scheduler` process (`--every 3600`):

- `clear_stale`: abandon stale sign-ups, delete long-expired sign-in attempts;
- finished message tasks older than a day are deleted (`prune_db_task_results`): their rows
  only ever held sealed payloads, and nothing reads them afterwards;
- a delivery task left running by a worker that died mid-send (longer than STALLED_AFTER) is
  made ready again, so the message still goes out (at least once).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from authflows.delivery.tasks import deliver_message

logger = logging.getLogger("authflows.maintenance")
STALLED_AFTER = timedelta(minutes=10)


def uses_task_table() -> bool:
    """The database task backend is configured (not the immediate one of development)."""
    from django_tasks_db import DatabaseBackend

    return isinstance(deliver_message.get_backend(), DatabaseBackend)


def requeue_stalled_deliveries() -> int:
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.filter(
        status="RUNNING",
        task_path=deliver_message.module_path,
        started_at__lt=now - STALLED_AFTER,
    ).update(status="READY", run_after=now)


class Command(BaseCommand):
    help = "Clear stale sign-in state, prune finished message tasks, requeue stalled ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="Run again every N seconds, forever (for a Procfile scheduler process).",
        )

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        while True:
            self.run_once()
            if every <= 0:
                return
            close_old_connections()
            time.sleep(every)

    def run_once(self) -> None:
        try:
            call_command("clear_stale", stdout=self.stdout)
            if uses_task_table():
                call_command(
                    "prune_db_task_results",
                    "--min-age-days=1",
                    "--failed-min-age-days=7",
                    stdout=self.stdout,
                )
                requeued = requeue_stalled_deliveries()
                self.stdout.write(f"requeued {requeued} stalled deliveries")
        except Exception:
            # A loop that dies with the database would stop all maintenance: log, go on.
            logger.exception("maintenance run failed")
