"""Personal API tokens: named, stored hashed, last use shown, revocable (web page and API), throttled."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api import tokens
from api.models import ApiToken

pytestmark = pytest.mark.integration


def test_create_token_stores_only_a_hash_of_the_secret(contact):
    token, secret = tokens.create_token(contact, name="Dashboard")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.key_hash, stored.prefix} and secret.startswith(stored.prefix)


def test_create_token_needs_a_name(contact):
    with pytest.raises(Exception, match="Name the token"):
        tokens.create_token(contact, name="  ")


def test_a_token_acts_as_its_person_and_records_its_last_use(contact):
    token, secret = tokens.create_token(contact, name="Dashboard")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/tokens/").json()["results"][0]["id"] == token.pk
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_a_revoked_or_unknown_token_is_refused_with_the_error_shape(contact):
    token, secret = tokens.create_token(contact, name="Dashboard")
    tokens.revoke_token(token, by=contact)
    for value in [secret, "prt_not-a-real-token"]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        response = client.get("/api/v1/reviews/")
        assert response.status_code == 401
        assert response.json() == {
            "status": 401,
            "code": "authentication_failed",
            "detail": "The token is not valid, or has been revoked.",
            "fields": {},
            "guards": [],
        }


def test_tokens_through_the_api_show_the_secret_once_and_revoke(api_for, contact, coordinator):
    client = api_for(contact)
    made = client.post("/api/v1/tokens/", {"name": "Export"}, format="json").json()
    assert made["secret"].startswith("prt_")
    listed = client.get(f"/api/v1/tokens/{made['id']}/").json()
    assert "secret" not in listed and listed["name"] == "Export"
    assert api_for(coordinator).delete(f"/api/v1/tokens/{made['id']}/").status_code == 404  # not theirs
    assert client.delete(f"/api/v1/tokens/{made['id']}/").json()["revoked_at"] is not None


def test_the_token_page_creates_shows_once_and_revokes(client_for, contact):
    client = client_for(contact)
    page = client.post(reverse("api:token-page"), {"name": "Funder feed"})
    token = ApiToken.objects.get(person=contact)
    assert page.status_code == 200 and token.prefix in page.content.decode()
    assert client.get(reverse("api:token-page")).content.decode().count(token.prefix) == 1  # the prefix only
    client.post(reverse("api:token-revoke", args=[token.pk]))
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_throttling_is_per_token(settings, contact):
    settings.API_THROTTLE_RATE = "2/minute"
    first, second = (APIClient(), APIClient())
    first.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(contact, name='a')[1]}")
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(contact, name='b')[1]}")
    assert [first.get("/api/v1/boroughs/").status_code for _ in range(3)] == [200, 200, 429]
    assert first.get("/api/v1/boroughs/").json()["code"] == "throttled"
    assert second.get("/api/v1/boroughs/").status_code == 200
