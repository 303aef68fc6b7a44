"""Fixtures of the passwordless and reset tests: every request through `client` (and
`browser`) stays within the query budget."""

from __future__ import annotations

import pytest
from django.test import Client

QUERY_BUDGET = 8


@pytest.fixture
def budget_client(django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    def make() -> Client:
        class BudgetedClient(Client):
            def request(self, **request):  # type: ignore[no-untyped-def]
                with django_assert_max_num_queries(QUERY_BUDGET):
                    return super().request(**request)

        return BudgetedClient()

    return make


@pytest.fixture
def client(budget_client) -> Client:  # type: ignore[no-untyped-def]
    return budget_client()


@pytest.fixture
def browser(budget_client) -> Client:  # type: ignore[no-untyped-def]
    return budget_client()
