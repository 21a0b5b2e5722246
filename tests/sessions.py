"""Signed-in test clients for sweeps that make hundreds of requests as the same person.

Each request in a sweep gets a client of its own, so that a logout or a cycled session key on one
URL cannot reach the next. Signing in afresh for each (force_login: a new session, the user's last
login, the two-factor device) cost a third of the permission matrix's time; instead the person signs
in once per test and every client gets its own copy of that session.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

_SESSIONS = pytest.StashKey[dict[Any, dict[str, Any]]]()


def signed_in_client(request: pytest.FixtureRequest, person: Any, **kwargs: Any) -> Client:
    """A new client for `person` (None: signed out), with its own copy of one signed-in session."""
    client = Client(**kwargs)
    if person is None:
        return client
    sessions = request.node.stash.setdefault(_SESSIONS, {})
    if person.pk not in sessions:
        first = Client()
        first.force_login(person, backend="organisations.backends.EmailBackend")
        sessions[person.pk] = dict(first.session.items())
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(sessions[person.pk])
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return client
