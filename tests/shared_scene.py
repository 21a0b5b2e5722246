"""One world per test module, built once and reused by every test in it inside a savepoint.

Building the permission matrix's scene through the real workflow takes about a second; the
matrix, the security gates and the bad-input sweep ask for it in well over a hundred tests. Here
it is built once per module inside an outer transaction (rolled back when the module ends), and
every test runs in pytest-django's own savepoint inside it, so whatever a test writes is undone
before the next one starts, exactly as with a scene built per test.

Use it with `from tests.shared_scene import *  # noqa: F403`: that brings `scene` and the cast
(`coordinator`, `caseworker`, ... and the three organisations) as fixtures that override the
per-test ones, so `request.getfixturevalue("caseworker")` is the scene's caseworker.

Not for tests that need committed data (`live_server`, `transactional_db`): they build their
scene per test with `build_matrix_scene(people)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import models, transaction
from django.test import override_settings

from api import tokens
from tests import conftest
from tests.factories import ConflictDeclarationFactory
from tests.scenes import (
    case_awaiting_decision,
    case_in_closure_planning,
    pathway_scene,
    published_version,
    review_in_desk_review,
    standards_scene,
)

PLACES = ["hub", "reviewed_org", "reviewer_org"]

__all__ = [
    "_uploads_in_a_temporary_folder",
    "module_media",
    "module_db",
    "cast",
    "shared_scene",
    "scene",
    *PLACES,
    *conftest.ROLE_FIXTURES,
]


def build_matrix_scene(people: dict[str, Any]) -> dict[str, Any]:
    """The permission matrix's world: a review at desk review, a framework in consultation and a
    published one, a case awaiting decision, a closure being planned, a turnaround and an interim."""
    p = people
    version = published_version(steward=p["steward"], owner=p["hub"], commenter=p["participant"])
    scene = {
        "contact": p["contact"],
        "reviewed_org": p["reviewed_org"],
        "declaration": ConflictDeclarationFactory(person=p["contact"], organisation=p["reviewed_org"]),
        **standards_scene(steward=p["steward"], owner=p["hub"], commenter=p["participant"], slug="scene-2"),
        **review_in_desk_review(
            version=version,
            organisation=p["reviewed_org"],
            coordinator=p["coordinator"],
            lead=p["lead_reviewer"],
            peer=p["reviewer"],
            contact=p["contact"],
        ),
        **case_awaiting_decision(caseworker=p["caseworker"], organisation=p["reviewed_org"]),
        **case_in_closure_planning(
            caseworker=p["caseworker"], panel_member=p["panel_member"], organisation=p["reviewer_org"]
        ),
        "token": tokens.create_token(p["contact"], name="matrix")[0],
    }
    scene.update(pathway_scene(caseworker=scene["case"].owner, organisation=scene["case"].organisation))
    return scene


@pytest.fixture(scope="module")
def module_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One uploads folder for the module: the scene's files must outlive the test that first built it."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media):
        yield media


@pytest.fixture
def _uploads_in_a_temporary_folder(settings: Any, module_media: Path) -> None:
    settings.MEDIA_ROOT = module_media


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker: Any, module_media: Path) -> Iterator[None]:
    """An outer transaction for the whole module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def cast(module_db: None) -> dict[str, Any]:
    """Everyone in conftest's cast, created once for the module."""
    return conftest.build_cast()


@pytest.fixture(scope="module")
def shared_scene(cast: dict[str, Any]) -> dict[str, Any]:
    return build_matrix_scene(cast)


def _fresh(value: Any) -> Any:
    # A test may move an object in memory; the next one must see what the database holds again.
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    return value


@pytest.fixture
def scene(shared_scene: dict[str, Any], db: None) -> dict[str, Any]:
    """The module's scene, read afresh for this test (whose writes are rolled back after it)."""
    return {key: _fresh(value) for key, value in shared_scene.items()}


def _member(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(cast: dict[str, Any], db: None) -> Any:
        return _fresh(cast[name])

    fixture.__doc__ = f"The module's {name.replace('_', ' ')} (see tests/conftest.py)."
    return fixture


for _name in [*PLACES, *conftest.ROLE_FIXTURES]:
    globals()[_name] = _member(_name)
