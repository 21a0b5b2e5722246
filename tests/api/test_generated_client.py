"""A real client generator accepts the schema: openapi-python-client builds a Python client from
`/api/schema/`, and that client, with a personal token, lists reviews, reads one and moves it."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.wsgi import get_wsgi_application
from django.test import Client
from openapi_spec_validator import validate

from api import tokens
from tests.api.test_schema import _keep_the_test_connection  # noqa: F401 - a fixture
from tests.scenes import published_version, review_in_desk_review
from tests.shared_scene import _uploads_in_a_temporary_folder, cast, module_db, module_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

PACKAGE = "peer_review_api_client"


@pytest.fixture(scope="module")
def schema(module_db) -> dict:
    # Django's test client keeps the test's connection open; the bare WSGI handler's request signals
    # would close it, and with it the module's transaction on PostgreSQL.
    return Client().get("/api/schema/?format=json").json()


@pytest.fixture(scope="module")
def generated(schema, tmp_path_factory):
    """The client package, generated into a temporary folder and imported."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "schema.json").write_text(json.dumps(schema))
    generator = Path(sys.executable).with_name("openapi-python-client")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}  # its post-hooks run ruff from the venv
    subprocess.run(
        [str(generator), "generate", "--path", "schema.json", "--meta", "none", "--output-path", PACKAGE],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]
        shutil.rmtree(folder, ignore_errors=True)


def test_the_schema_is_valid_openapi_with_one_entry_per_enum_value(schema):
    validate(schema)
    for path in schema["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                values = parameter.get("schema", {}).get("enum", [])
                assert len(values) == len(set(values)), (parameter["name"], values)


def test_a_generated_client_lists_reads_and_moves_a_review(generated, cast, db, _keep_the_test_connection, settings):
    settings.API_THROTTLE_RATE = "100000/minute"
    version = published_version(steward=cast["steward"], owner=cast["hub"], commenter=cast["participant"])
    review = review_in_desk_review(
        version=version,
        organisation=cast["reviewed_org"],
        coordinator=cast["coordinator"],
        lead=cast["lead_reviewer"],
        peer=cast["reviewer"],
        contact=cast["contact"],
    )["review"]
    secret = tokens.create_token(cast["coordinator"], name="generated client")[1]

    client = generated.AuthenticatedClient(base_url="http://testserver", token=secret)
    client.set_httpx_client(
        httpx.Client(
            base_url="http://testserver",
            transport=httpx.WSGITransport(app=get_wsgi_application()),
            headers={"Authorization": f"Bearer {secret}"},
        )
    )
    api = importlib.import_module(f"{PACKAGE}.api.reviews")
    models = importlib.import_module(f"{PACKAGE}.models")

    listed = importlib.import_module(f"{api.__name__}.reviews_list").sync(client=client)
    assert [r.id for r in listed.results] == [review.pk]

    read = importlib.import_module(f"{api.__name__}.reviews_retrieve").sync(id=str(review.pk), client=client)
    assert (read.id, read.state.value) == (review.pk, "desk_review")
    assert "hold" in {t.name for t in read.transitions}

    move = importlib.import_module(f"{api.__name__}.reviews_transitions_create")
    held = move.sync(
        id=str(review.pk),
        name=move.ReviewsTransitionsCreateName("hold"),
        client=client,
        body=models.MoveRequest(reason="The organisation's chair is ill."),
    )
    assert held.state.value == "on_hold"
    review.refresh_from_db()
    assert review.state == "on_hold"
