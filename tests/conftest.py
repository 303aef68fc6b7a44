"""Shared fixtures. Tests post the same fields a browser posts; time moves through
authflows.clock; SMS are read from the locmem outbox like pytest-django's mailoutbox."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.db import connection as default_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from authflows import clock
from authflows.delivery import sms
from authflows.models import InstanceSettings, User
from authflows.protect import ratelimit

PASSWORD = "a-long-and-unusual-passphrase-93"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run in the PostgreSQL pass (make test-postgres, CI);
    on SQLite they are deselected, not skipped."""
    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep = [item for item in items if "postgres" not in item.keywords]
    dropped = [item for item in items if "postgres" in item.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
def _require_services(django_db_setup: None, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    """Under AUTHFLOWS_REQUIRE_SERVICES=1 (the PostgreSQL pass), a missing PostgreSQL or
    Redis fails the run instead of silently testing something else."""
    if os.environ.get("AUTHFLOWS_REQUIRE_SERVICES") != "1":
        return
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", f"expected PostgreSQL, got {connection.vendor}"
        connection.ensure_connection()
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert backend.endswith("RedisCache"), f"expected the Redis cache, got {backend}"
    cache.set("authflows:ping", "pong", 5)
    assert cache.get("authflows:ping") == "pong"


@pytest.fixture(autouse=True)
def _isolation(settings, request: pytest.FixtureRequest) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.AUTHFLOWS_SMS_BACKEND = "authflows.delivery.sms.LocmemBackend"
    settings.AUTHFLOWS_PUBLIC_ORIGIN = "http://testserver"  # links in emails
    settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST = 1, 64  # cheap but real Argon2
    cache.clear()
    sms.outbox.clear()
    clock.reset()
    ratelimit.enabled = request.node.get_closest_marker("ratelimit") is not None
    if ratelimit.enabled:
        # Counted tests start at the start of a window of every length (each divides an hour),
        # so no fixed window ends halfway through a test's requests.
        clock.advance(3600 - clock.now().timestamp() % 3600 + 0.001)
    yield
    clock.reset()
    ratelimit.enabled = True
    cache.clear()


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings) -> None:  # type: ignore[no-untyped-def]
    """Queued messages are sent inside the call that queues them, so `mailoutbox` and the SMS
    outbox hold them when the request returns (tests/delivery/ also runs the real worker)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def instance(db) -> Callable[..., InstanceSettings]:  # type: ignore[no-untyped-def]
    """Change Dashboard settings the way the admin does: save the row (cache invalidated)."""

    def configure(**fields: object) -> InstanceSettings:
        row = InstanceSettings.load()
        for name, value in fields.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        return InstanceSettings.load()

    return configure


@pytest.fixture
def make_user(db) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(
        email: str | None = "ada@example.com", password: str = PASSWORD, **fields: object
    ) -> User:
        return User.objects.create_user(email=email, password=password, **fields)

    return make


@pytest.fixture
def user(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user()


@pytest.fixture
def sms_outbox() -> list[sms.SMSMessage]:
    return sms.outbox


@pytest.fixture
def staff(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(staff: User, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    """A browser signed in as staff through /sign-in/, where the admin login sends it."""
    from tests.core.helpers import complete_sign_in

    browser = Client()
    login = browser.get(browser.get("/admin/")["Location"])
    assert login.status_code == 302
    assert login["Location"] == "/sign-in/?redirect_url=%2Fadmin%2F"
    response = complete_sign_in(browser, staff.email, mailoutbox, PASSWORD, redirect_url="/admin/")
    assert response["Location"] == "/admin/"
    return browser


QUERY_BUDGET = 8
# Transaction control: every request runs in one transaction (StepTransactionMiddleware), and
# inside a test's own transaction that is a savepoint. Budgets count the statements that read
# or write data; how many transactions a request opens is checked on its own.
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def data_statements(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if not TRANSACTION_CONTROL.match(q["sql"])]


@contextmanager
def _count_statements(
    num: int, connection=None, info: str | None = None, *, exact: bool
) -> Iterator[CaptureQueriesContext]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection or default_connection) as context:
        yield context
    done = data_statements(context.captured_queries)
    failed = len(done) != num if exact else len(done) > num
    if failed:
        verb = "exactly" if exact else "at most"
        message = f"Expected {verb} {num} data statements, {len(done)} were done"
        pytest.fail("\n\n".join([message + (f" ({info})" if info else ""), *done]))


@pytest.fixture
def django_assert_max_num_queries():  # type: ignore[no-untyped-def]
    """pytest-django's fixture, counting data statements only (see TRANSACTION_CONTROL)."""
    return partial(_count_statements, exact=False)


@pytest.fixture
def django_assert_num_queries():  # type: ignore[no-untyped-def]
    return partial(_count_statements, exact=True)


@pytest.fixture
def budget_client(django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    """Makes browsers whose every request must stay within the query budget."""

    def make() -> Client:
        class BudgetedClient(Client):
            def request(self, **request):  # type: ignore[no-untyped-def]
                with django_assert_max_num_queries(QUERY_BUDGET):
                    return super().request(**request)

        return BudgetedClient()

    return make


@pytest.fixture
def browser() -> Client:
    """A second, independent browser (its own cookies)."""
    return Client()


def context_of(request):  # type: ignore[no-untyped-def]
    """The FlowContext the middleware builds, for a RequestFactory request (tests that call
    a flow function directly)."""
    from django.contrib.auth.models import AnonymousUser

    from authflows.http import flow_context
    from authflows.session_store import SessionStore

    if not hasattr(request, "session"):
        request.session = SessionStore()
    if not hasattr(request, "user"):
        request.user = AnonymousUser()
    return flow_context(request)


def error_codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'data-error-code="([a-z_]+)"', response.content.decode())


def page_status(response) -> str | None:  # type: ignore[no-untyped-def]
    match = re.search(r'<main data-status="([a-z_-]*)"', response.content.decode())
    return match.group(1) if match else None


def last_code(text: str) -> str:
    return re.findall(r"\b(\d{6})\b", text)[-1]


def open_link(client: Client, link: str):  # type: ignore[no-untyped-def]
    """Open an emailed link as a person does: the page it shows, then its Continue button."""
    page = client.get(link)
    assert page.status_code == 200 and page_status(page) == "confirm_link", page
    path, _, query = link.partition("?")
    return client.post(path, {"token": parse_qs(query).get("token", [""])[0]})


def sign_in(client: Client, identifier: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/sign-in/", {"identifier": identifier, "password": password, **extra})


@pytest.fixture
def redis_commands(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the commands redis-py sends from now on, as they go out."""
    from redis.client import Redis

    sent: list[str] = []
    execute = Redis.execute_command

    def counted(self, *args, **options):  # type: ignore[no-untyped-def]
        sent.append(str(args[0]))
        return execute(self, *args, **options)

    monkeypatch.setattr(Redis, "execute_command", counted)
    return sent
