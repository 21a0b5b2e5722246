"""The OpenAPI schema validates, and a bounded property-based run over it (schemathesis) finds no
server error and no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from api import tokens
from tests.scenes import case_awaiting_decision, published_version, review_in_desk_review
from tests.shared_scene import _uploads_in_a_temporary_folder, cast, module_db, module_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 4  # keeps the whole run to a minute or two on a small machine


def test_schema_validates(tmp_path):
    # --validate checks the document against the OpenAPI 3 specification; generation errors fail it.
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert "openapi: 3" in (tmp_path / "schema.yaml").read_text()


def test_docs_are_served_from_local_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower() and "//unpkg" not in page


@pytest.fixture
def _keep_the_test_connection():
    """Requests go through the real WSGI handler, whose request signals close the database
    connection (and with it the test's transaction, on PostgreSQL); Django's test client
    disconnects them in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def shared_world(cast):
    """Data for every endpoint to find, and a token for the administrator, who may see all of it:
    built once for the module (tests/shared_scene.py), each example's writes rolled back."""
    version = published_version(steward=cast["steward"], owner=cast["hub"], commenter=cast["participant"])
    review_in_desk_review(
        version=version,
        organisation=cast["reviewed_org"],
        coordinator=cast["coordinator"],
        lead=cast["lead_reviewer"],
        peer=cast["reviewer"],
        contact=cast["contact"],
    )
    case_awaiting_decision(caseworker=cast["caseworker"], organisation=cast["reviewed_org"])
    return {"token": tokens.create_token(cast["administrator"], name="schemathesis")[1]}


@pytest.fixture
def world(_keep_the_test_connection, db, settings, shared_world):
    settings.API_THROTTLE_RATE = "100000/minute"
    return shared_world


# Loaded once at collection, in process: the schema view needs no database.
# (A cache in memory while loading: the API's throttling would otherwise reach for the database cache
# table, which does not exist while tests are being collected.)
with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_within_its_schema(case, world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['token']}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
