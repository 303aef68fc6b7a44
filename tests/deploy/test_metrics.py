"""/metrics: Prometheus' text format behind a bearer token; counts of sign-ins, failures,
locks, messages and the queue; one count for every worker of a host (multiprocess files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from pytest_django.fixtures import Settings

from authflows import delivery
from tests.conftest import PASSWORD, sign_in
from tests.core.helpers import complete_sign_in
from tests.delivery.conftest import DATABASE_TASKS, use_smtp
from tests.delivery.servers import free_port

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789-abcdefghijklmnop"
ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def scraper(settings: Settings) -> Client:
    settings.AUTHFLOWS_METRICS_TOKEN = TOKEN
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def samples(scraper: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = scraper.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def event(kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("authflows_auth_events_total", (("kind", kind),))


def message(outcome: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return ("authflows_messages_total", (("channel", "email"), ("outcome", outcome)))


def test_without_a_token_setting_there_is_no_endpoint(client):
    assert client.get("/metrics").status_code == 404


def test_a_missing_or_wrong_token_is_refused(scraper):
    anonymous = Client().get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    wrong = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN[:-1]}x").get("/metrics")
    assert wrong.status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Basic {TOKEN}").get("/metrics").status_code == 401
    assert "authflows_" not in anonymous.content.decode() + wrong.content.decode()
    assert scraper.get("/metrics")["Cache-Control"].startswith("max-age=0")


def test_sign_ins_failures_locks_and_messages_are_counted(scraper, user, instance, mailoutbox):
    instance(lockout_max_attempts=5)
    before = samples(scraper)
    assert complete_sign_in(Client(), user.email, mailoutbox, PASSWORD)["Location"] == "/"
    for _ in range(5):
        sign_in(Client(), user.email, password="wrong-password-1")
    after = samples(scraper)

    def grew(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert grew(event("sign_in.failed")) == 5
    assert grew(event("user.locked")) == 1
    assert grew(event("sign_in.succeeded")) == 1
    assert len(mailoutbox) >= 2  # the client-trust code, the lock notice
    assert grew(message("queued")) == len(mailoutbox)
    assert grew(message("sent")) == len(mailoutbox)  # the test backend sends in the request


def test_a_failed_try_is_counted(scraper, settings):
    use_smtp(settings, free_port())  # nothing listens there
    before = samples(scraper).get(message("failed"), 0)
    delivery.send_email(to="ada@example.com", event="new_sign_in", context={})
    assert samples(scraper)[message("failed")] == before + 1


def test_the_queue_depth_is_read_from_the_task_table(scraper, settings):
    assert "authflows_message_queue_depth" not in scraper.get("/metrics").content.decode()
    settings.TASKS = DATABASE_TASKS
    assert samples(scraper)[("authflows_message_queue_depth", (("state", "due"),))] == 0
    delivery.send_email(to="ada@example.com", event="new_sign_in", context={})
    delivery.send_email(to="bob@example.com", event="new_sign_in", context={})
    shown = samples(scraper)
    assert shown[("authflows_message_queue_depth", (("state", "due"),))] == 2
    assert shown[("authflows_message_queue_depth", (("state", "deferred"),))] == 0
    assert shown[("authflows_message_queue_oldest_seconds", ())] >= 0


COUNT = """
import django
django.setup()
from authflows import metrics
for _ in range({n}):
    metrics.count_event("sign_in.succeeded")
"""
SHOW = """
import django
django.setup()
from authflows import metrics
from prometheus_client.parser import text_string_to_metric_families
text = metrics.exposition()[0].decode()
[family] = [f for f in text_string_to_metric_families(text) if f.name == "authflows_auth_events"]
print(family.samples[0].value)
"""


def test_workers_of_one_host_add_up_in_one_answer(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR (set by deploy/gunicorn.conf.py), each process writes its
    counts to a file there and /metrics sums them: processes that ended still count."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}", TASK_BACKEND="immediate")
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", COUNT.format(n=n)], env=env, cwd=ROOT, check=True)
    shown = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, cwd=ROOT, check=False, capture_output=True,
        text=True,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert float(shown.stdout) == 7
