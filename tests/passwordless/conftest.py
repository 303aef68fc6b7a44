"""Every request of the passwordless tests, through `client` and `browser`, stays within the
query budget (tests/conftest.py QUERY_BUDGET)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client(budget_client) -> Client:  # type: ignore[no-untyped-def]
    return budget_client()


@pytest.fixture
def browser(budget_client) -> Client:  # type: ignore[no-untyped-def]
    return budget_client()
