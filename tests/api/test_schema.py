"""The OpenAPI schema validates, and a bounded property-based run over it (schemathesis) finds no
server error and no response that breaks the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from api import tokens
from tests.scenes import case_awaiting_decision, published_version, review_in_desk_review

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


@pytest.fixture
def world(
    _keep_the_test_connection,
    db,
    settings,
    steward,
    hub,
    participant,
    coordinator,
    lead_reviewer,
    reviewer,
    contact,
    reviewed_org,
    caseworker,
    administrator,
):
    """Data for every endpoint to find, and a token for the administrator, who may see all of it."""
    settings.API_THROTTLE_RATE = "100000/minute"
    version = published_version(steward=steward, owner=hub, commenter=participant)
    review_in_desk_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)
    return {"token": tokens.create_token(administrator, name="schemathesis")[1]}


# Loaded once at collection, in process: the schema view needs no database.
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
