"""API test helpers: a client that authenticates with a person's own personal token."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import tokens


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(db):
    # Throttle counts live in the cache (a database table unless REDIS_URL is set, hence `db`);
    # token ids repeat between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for():
    """An API client acting as `person` through a personal token (None: no token at all)."""

    def make(person) -> APIClient:
        client = APIClient()
        if person is not None:
            _, secret = tokens.create_token(person, name="tests")
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
