"""Issue 16, sign-in and bad input: each finding of the outside test, reproduced and now refused.

- Out-of-range years on the intelligence page, its downloads and the annual PDF: a 400 that says
  which years there are, never a server error.
- A NUL byte in an address, a query string or a form field: a 400 before any view runs (PostgreSQL
  refuses NUL in text), for pages and the API; hypothesis throws arbitrary query strings at pages.
- JSON nested 5,000 deep, larger than a megabyte, or holding \\u0000: a 400 in the API's error shape.
- XLSX decompression bombs, over-wide and over-long sheets: refused before (or while) parsing.
- Lockout keyed on the email as sign-in reads it; `Cache-Control: no-store` when signed in.
- The shared cache: throttling holds across clients through Redis (skipped when Redis is not running).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from api import tokens
from standards import spreadsheet
from tests.factories import UserFactory

pytestmark = pytest.mark.integration

YEAR_MESSAGE = "Choose a year between 2000 and 2100."


@pytest.fixture
def api_for(db):
    """An API client acting as `person` through a personal token (as in tests/api/conftest.py)."""
    from django.core.cache import cache
    from rest_framework.test import APIClient

    cache.clear()  # throttle counts live in the cache

    def make(person) -> APIClient:
        client = APIClient()
        _, secret = tokens.create_token(person, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.mark.parametrize(
    "url",
    [
        "/intelligence/?year=99999",
        "/intelligence/?year=1066",
        "/intelligence/ratings.csv?year=99999",
        "/intelligence/lifeboat.xlsx?year=10000",
        "/intelligence/annual-99999.pdf",
    ],
)
def test_out_of_range_years_are_a_400_with_a_message(client_for, coordinator, url):
    response = client_for(coordinator).get(url)
    assert response.status_code == 400
    assert YEAR_MESSAGE in response.content.decode()


def test_an_enormous_framework_number_is_a_400(client_for, coordinator):
    response = client_for(coordinator).get("/intelligence/?framework=99999999999999999999")
    assert response.status_code == 400
    assert "no such framework" in response.content.decode()


def test_the_api_refuses_an_out_of_range_year_plainly(api_for, coordinator):
    response = api_for(coordinator).get("/api/v1/intelligence/?year=99999")
    assert response.status_code == 400
    assert response.json()["fields"] == {"year": ["Ensure this value is less than or equal to 2100."]}


@pytest.mark.parametrize(
    "url",
    [
        "/intelligence/?borough=%00",
        "/intelligence/?kind=a%00b",
        "/verify/%00/",
        "/organisations/?q=%00",
        "/api/v1/organisations/?search=%00",
        "/api/v1/cases/?case=1%00",
    ],
)
def test_a_nul_byte_in_the_address_is_a_400(client_for, coordinator, url):
    response = client_for(coordinator).get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert "NUL" in body
    if url.startswith("/api/"):
        assert response.json()["code"] == "bad_request"


def test_a_nul_byte_in_a_form_field_is_a_400_and_changes_nothing(client_for, contact):
    response = client_for(contact).post(reverse("api:token-page"), {"name": "laptop\x00"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert tokens.tokens_of(contact).count() == 0


def test_a_nul_byte_on_the_public_verify_page_is_a_400_not_a_500():
    response = Client().get("/verify/abc/?x=%00")
    assert response.status_code == 400


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["year", "borough", "kind", "framework", "q", "state", "page", "ordering"]),
        st.text(max_size=30),
        max_size=4,
    )
)
def test_no_query_string_makes_a_server_error(client_for, coordinator, params):
    client = client_for(coordinator)
    for url in ("/intelligence/", "/intelligence/ratings.csv", "/organisations/", "/api/v1/organisations/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400, 404), (url, params, response.status_code)


def _deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_deep(5000), "nested more than 20 levels"),
        (_deep(50), "nested more than 20 levels"),
        ('{"name": "a\\u0000b"}', "NUL"),
        ('{"name": "' + "x" * (1024 * 1024 + 10) + '"}', "larger than"),
        ('{"name": NaN}', "JSON parse error"),
    ],
)
def test_the_api_refuses_deep_huge_or_nul_json_with_a_400(api_for, contact, body, message):
    client = api_for(contact)
    before = tokens.tokens_of(contact).count()
    response = client.generic("POST", "/api/v1/tokens/", body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert tokens.tokens_of(contact).count() == before


def test_ordinary_json_still_works(api_for, contact):
    response = api_for(contact).post("/api/v1/tokens/", {"name": "script"}, format="json")
    assert response.status_code == 201


# --- spreadsheets ----------------------------------------------------------------------------------
def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = spreadsheet.INDICATOR_SHEET
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_parsing(monkeypatch):
    data = _xlsx([list(spreadsheet.COLUMNS)])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/padding.xml", b"<a>" + b" " * (25 * 1024 * 1024) + b"</a>")  # ~25 KB packed
    assert len(bomb.getvalue()) < 200_000
    monkeypatch.setattr(spreadsheet, "load_workbook", lambda *a, **k: pytest.fail("parsed a bomb"))
    with pytest.raises(spreadsheet.SpreadsheetError, match="unpacks to more than the 20 MB"):
        spreadsheet.read(bomb.getvalue(), "framework.xlsx")


def test_an_xlsx_with_too_many_columns_is_refused():
    data = _xlsx([list(spreadsheet.COLUMNS), ["x"] * 8 + [""] * 30 + ["stray"]])
    with pytest.raises(spreadsheet.SpreadsheetError, match="more than 30 columns"):
        spreadsheet.read(data, "framework.xlsx")


def test_an_xlsx_with_too_many_theme_rows_is_refused():
    book = Workbook()
    book.active.title = spreadsheet.INDICATOR_SHEET
    book.active.append(list(spreadsheet.COLUMNS))
    themes = book.create_sheet(spreadsheet.THEME_SHEET)
    for i in range(spreadsheet.MAX_THEME_ROWS + 2):
        themes.append([f"Theme {i}", "About it"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(spreadsheet.SpreadsheetError, match="more than 500 rows in its Themes sheet"):
        spreadsheet.read(out.getvalue(), "framework.xlsx")


# --- sign-in and sessions --------------------------------------------------------------------------
PASSWORD = "correct-horse-battery-staple"


def _sign_in(client: Client, email: str, password: str):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.django_db
def test_lockout_counts_every_spelling_of_one_email(settings):
    settings.AXES_FAILURE_LIMIT = 3
    person = UserFactory(email="steward@example.org")
    person.set_password(PASSWORD)
    person.save()
    client = Client(REMOTE_ADDR="203.0.113.9")
    for spelling in ("steward@example.org", "STEWARD@example.org", " Steward@Example.org "):
        _sign_in(client, spelling, "wrong-password-here")
    response = _sign_in(client, "sTEWARD@example.org", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    response = _sign_in(client, "steward@example.org", PASSWORD)
    assert response.status_code == 429


@pytest.mark.django_db
def test_sign_in_still_ignores_case_when_not_locked():
    person = UserFactory(email="steward@example.org")
    person.set_password(PASSWORD)
    person.save()
    client = Client()
    response = _sign_in(client, "sTEWARD@example.org", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_signed_in_pages_are_never_stored(client_for, contact):
    client = client_for(contact)
    for url in (reverse("home"), reverse("api:token-page")):
        response = client.get(url)
        assert response.status_code == 200
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= cache_control, url


def test_the_new_token_page_is_never_stored(client_for, contact):
    response = client_for(contact).post(reverse("api:token-page"), {"name": "laptop"})
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_api_token_responses_are_never_stored(api_for, contact):
    response = api_for(contact).get("/api/v1/boroughs/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_public_pages_are_left_to_their_own_caching():
    response = Client().get("/verify/" + "0" * 64 + "/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- the shared cache ------------------------------------------------------------------------------
def test_without_redis_the_cache_is_the_database(settings):
    from django.conf import settings as live

    assert live.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def _redis_running() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis here
        return False


@pytest.mark.skipif(not _redis_running(), reason="Redis is not running on 127.0.0.1:6379")
def test_throttling_holds_across_clients_through_redis(settings, contact):
    from django.core.cache import caches
    from rest_framework.test import APIClient

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15"}
    }
    settings.API_THROTTLE_RATE = "3/minute"
    caches["default"].clear()
    try:
        _, secret = tokens.create_token(contact, name="two workers")
        first, second = APIClient(), APIClient()  # two clients, as two workers would see them
        for client in (first, second):
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        codes = [c.get("/api/v1/boroughs/").status_code for c in (first, second, first, second)]
        assert codes == [200, 200, 200, 429]
        assert caches["default"].__class__.__name__ == "RedisCache"
    finally:
        caches["default"].clear()


def test_the_token_cap_holds(contact):
    for i in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.create_token(contact, name=f"t{i}")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="20 tokens already"):
        tokens.create_token(contact, name="one too many")
    assert tokens.tokens_of(contact).count() == tokens.MAX_ACTIVE_TOKENS
