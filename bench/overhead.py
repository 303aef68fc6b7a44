"""Framework time and SQL statements per step and per flow, measured in-process.

Django's test client drives the same three sign-in flows as the load generator, on the same
database, cache and task backend, with a fast password hasher swapped in so that what remains
is the project's own cost: middleware, sessions, rate limits, queries, templates. Prints JSON.

Statements are counted as the test suite's budgets count them (tests/conftest.py,
`data_statements`): the statements that read or write data. Every request runs in one
transaction (authflows.middleware.StepTransactionMiddleware), so its BEGIN and COMMIT (or a
savepoint's) are counted apart, as "transaction control".

Messages are queued as in production (with the database task backend, one row per message in
the request's transaction, counted with its statements); the email flow then sends the queued
code the way the task worker does, outside the timed requests, and reads it from Django's
in-memory outbox.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict

import django

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD = "overhead-passphrase-correct-horse"
ADDRESSES = itertools.count(1)
_HANDLER: dict[str, object] = {}
#: The test suite's rule (tests/conftest.py, TRANSACTION_CONTROL): what is not data.
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def data_statements(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if not TRANSACTION_CONTROL.match(q["sql"])]


def browser(client_cookie: str = ""):  # type: ignore[no-untyped-def]
    from django.test import Client

    n = next(ADDRESSES)
    client = Client(
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"127.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
    )
    # One handler for every browser, as in a server process: a new one would load the
    # middleware again (WhiteNoise indexing every static file) inside the first timed request.
    _HANDLER.setdefault("handler", client.handler)
    client.handler = _HANDLER["handler"]
    if client_cookie:
        client.cookies["authflows_client"] = client_cookie
    return client


def timed(steps: list, name: str, call, *args, **kwargs):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = call(*args, **kwargs)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
    data = len(data_statements(queries.captured_queries))
    steps.append((name, elapsed, data, cpu, len(queries.captured_queries) - data))
    return response


def deliver_queued() -> None:
    """Send the messages the requests queued, as the task worker does (not timed): into
    django.core.mail.outbox. With the immediate task backend they are there already."""
    from django_tasks_db.models import DBTaskResult

    from authflows.delivery.tasks import deliver_message

    for row in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"):
        deliver_message.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


def password_steps(steps: list, client, email: str, lands: str) -> None:  # type: ignore[no-untyped-def]
    timed(steps, "form", client.get, "/sign-in/")
    token = client.cookies["csrftoken"].value
    data = {"identifier": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    response = timed(steps, "password", client.post, "/sign-in/", data)
    assert response.status_code == 302 and response["Location"] == lands, response


def landing(steps: list, client) -> None:  # type: ignore[no-untyped-def]
    response = timed(steps, "landing", client.get, "/")
    assert b"Signed in as" in response.content


def post_code(steps: list, client, page: str, name: str, code: str) -> None:  # type: ignore[no-untyped-def]
    token = client.cookies["csrftoken"].value
    data = {"code": code, "action": "verify", "csrfmiddlewaretoken": token}
    response = timed(steps, name, client.post, page, data)
    assert response.status_code == 302 and response["Location"] == "/", response


def email_flow(user) -> tuple[list, str]:  # type: ignore[no-untyped-def]
    from django.core import mail

    mail.outbox = getattr(mail, "outbox", [])
    steps: list = []
    client = browser()
    password_steps(steps, client, user.email, "/sign-in/client-trust/")
    timed(steps, "client_trust_page", client.get, "/sign-in/client-trust/")
    deliver_queued()
    subjects = [m.subject.split()[0] for m in mail.outbox if m.to == [user.email]]
    code = [s for s in subjects if s.isdigit()][-1]
    post_code(steps, client, "/sign-in/client-trust/", "email_code", code)
    landing(steps, client)
    return steps, client.cookies["authflows_client"].value


def trusted_flow(user, client_cookie: str) -> list:  # type: ignore[no-untyped-def]
    steps: list = []
    client = browser(client_cookie)
    password_steps(steps, client, user.email, "/")
    landing(steps, client)
    return steps


def totp_flow(user, device) -> list:  # type: ignore[no-untyped-def]
    from django_otp.oath import TOTP

    steps: list = []
    client = browser()
    password_steps(steps, client, user.email, "/sign-in/factor-two/")
    timed(steps, "factor_two_page", client.get, "/sign-in/factor-two/")
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    post_code(steps, client, "/sign-in/factor-two/", "totp_code", f"{totp.token():06d}")
    landing(steps, client)
    return steps


def summarize(flows: list[list]) -> dict:
    """Medians of wall time (what the request takes, database and cache round trips
    included) and of this process's CPU time (what neighbours on the machine cannot inflate),
    and the largest statement count seen, per step and per flow."""
    per_step: dict[str, list] = defaultdict(list)
    for steps in flows:
        for name, seconds, queries, cpu, _ in steps:
            per_step[name].append((seconds, queries, cpu))

    def median_ms(values) -> float:  # type: ignore[no-untyped-def]
        return round(statistics.median(values) * 1000, 3)

    return {
        "flows": len(flows),
        "flow_ms_median": median_ms(sum(step[1] for step in steps) for steps in flows),
        "flow_cpu_ms_median": median_ms(sum(step[3] for step in steps) for steps in flows),
        "flow_queries": max(sum(step[2] for step in steps) for steps in flows),
        "flow_transaction_statements": max(sum(step[4] for step in steps) for steps in flows),
        "statements_counted": "data statements (transaction control excluded)",
        "steps": {
            name: {
                "ms_median": median_ms(s for s, _, _ in values),
                "cpu_ms_median": median_ms(c for _, _, c in values),
                "queries": max(q for _, q, _ in values),
            }
            for name, values in per_step.items()
        },
    }


def make_users(prefix: str, count: int, *, totp: bool = False) -> list:
    import secrets

    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from authflows.models import User
    from authflows.models.identification import add_primary_rows

    encoded = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@overhead.example", password=encoded) for i in range(count)]
    )
    add_primary_rows(users)
    if totp:
        TOTPDevice.objects.bulk_create(
            [TOTPDevice(user=u, name="o", confirmed=True, key=secrets.token_hex(20)) for u in users]
        )
    return list(User.objects.filter(email__startswith=prefix).order_by("pk"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authflows.settings")
    django.setup()
    from django.test.utils import override_settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    # Not setup_test_environment(): its template instrumentation copies every context and
    # would be counted as framework time. Email goes to django.core.mail.outbox.
    mail_backend = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS, EMAIL_BACKEND=mail_backend):
        email_users = make_users("ovh-email", count)
        totp_users = make_users("ovh-totp", count, totp=True)
        devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=totp_users)}
        email_runs, cookies = [], []
        for user in email_users:
            steps, cookie = email_flow(user)
            email_runs.append(steps)
            cookies.append(cookie)
        trusted_runs = [trusted_flow(u, c) for u, c in zip(email_users, cookies, strict=True)]
        totp_runs = [totp_flow(u, devices[u.pk]) for u in totp_users]
    warm = count // 10  # the first flows pay imports and cold caches
    print(
        json.dumps(
            {
                "trusted": summarize(trusted_runs[warm:]),
                "totp": summarize(totp_runs[warm:]),
                "email": summarize(email_runs[warm:]),
            }
        )
    )


if __name__ == "__main__":
    main()
