"""Counters for operators, in Prometheus' text format at /metrics (views/metrics.py).

- `authflows_auth_events_total{kind}`: every audit event as it is recorded (flows/gate.py:
  record): `sign_in.succeeded`, `sign_in.failed` (a wrong password at sign-in), `code.failed`,
  `user.locked`, `rate_limited`, ... (AuthEvent.Kind);
- `authflows_messages_total{channel, outcome}`: emails and SMS `queued` by a request, `sent`
  by the worker, and each `failed` try (it is retried; see delivery/tasks.py);
- `authflows_cache_failures_total`: times a process found Redis unreachable (then it leaves it
  alone for a few seconds, see cache.py), and `authflows_limits_unavailable_total`: requests
  answered 503 because the rate limits could not be counted;
- `authflows_message_queue_depth{state}` and `authflows_message_queue_oldest_seconds`: read
  from the task table when /metrics is fetched, never on a request's path (with
  TASK_BACKEND=database; the immediate backend has no queue).

Counting costs a sign-in no statement and no round trip: prometheus_client keeps each count
in the process's memory or, with PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py sets
it for the web workers), in a memory-mapped file per process that /metrics sums, so every
gunicorn worker and the message worker on a host appear as one. Each host is scraped on its
own; Prometheus sums hosts (`sum by (kind) (rate(authflows_auth_events_total[5m]))`).
Counts live outside Redis on purpose: they go on counting while Redis is down.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: What generate_latest() writes: the text format every Prometheus version reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

AUTH_EVENTS = Counter(
    "authflows_auth_events", "Audit events recorded, by kind (AuthEvent.Kind).", ["kind"]
)
MESSAGES = Counter(
    "authflows_messages",
    "Emails and SMS: queued by a request, sent by the worker, or a failed try.",
    ["channel", "outcome"],
)
CACHE_FAILURES = Counter(
    "authflows_cache_failures", "Times a process found the cache (Redis) unreachable."
)
LIMITS_UNAVAILABLE = Counter(
    "authflows_limits_unavailable",
    "Requests answered 503 because rate limits and lockout counts could not be read.",
)


def count_event(kind: str) -> None:
    AUTH_EVENTS.labels(kind).inc()


def count_message(channel: str, outcome: str) -> None:
    MESSAGES.labels(channel, outcome).inc()


class QueueCollector(Collector):
    """The message queue as the task table holds it now: one query per scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult, get_date_max

        now, ready = timezone.now(), Q(status=TaskResultStatus.READY)
        due = ready & (Q(run_after=get_date_max()) | Q(run_after__lte=now))
        rows = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).aggregate(
            due=Count("pk", filter=due),
            ready=Count("pk", filter=ready),
            running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest=Min("enqueued_at", filter=due),
        )
        depth = GaugeMetricFamily(
            "authflows_message_queue_depth",
            "Messages waiting: due now, deferred (a retry's wait), or being sent.",
            labels=["state"],
        )
        depth.add_metric(["due"], rows["due"])
        depth.add_metric(["deferred"], rows["ready"] - rows["due"])
        depth.add_metric(["running"], rows["running"])
        yield depth
        oldest = rows["oldest"]
        age = (now - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "authflows_message_queue_oldest_seconds",
            "Age of the oldest message due now (0 when none is): a stalled worker shows here.",
            value=max(age, 0.0),
        )


def exposition() -> tuple[bytes, str]:
    """The text /metrics answers, and its content type."""
    if os.environ.get(MULTIPROCESS_ENV):
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters)
    else:
        counters = REGISTRY
    text = generate_latest(counters)
    if has_queue():
        queue = CollectorRegistry()
        queue.register(QueueCollector())
        text += generate_latest(queue)
    return text, CONTENT_TYPE


def has_queue() -> bool:
    """Messages wait in the task table (TASK_BACKEND=database), not sent in the request."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)
