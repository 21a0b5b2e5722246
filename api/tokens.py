"""Making, finding and revoking personal API tokens. The web page and the API both call these."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import PREFIX_LENGTH, ApiToken, digest, new_secret
from core import audit

# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def create_token(person: Any, *, name: str) -> tuple[ApiToken, str]:
    """Make a named token for `person`; return it with the secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token, so you can tell it apart later."})
    secret = new_secret()
    with transaction.atomic():
        # Count under a lock on the person's row: two requests (on two workers) counting at once
        # would both see 19 and both create one (21 tokens were made against a cap of 20).
        get_user_model()._default_manager.select_for_update().filter(pk=person.pk).first()
        if ApiToken.objects.filter(person=person).active().count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError({"name": f"You have {MAX_ACTIVE_TOKENS} tokens already: revoke one first."})
        token = ApiToken.objects.create(
            person=person, name=name[:100], prefix=secret[: PREFIX_LENGTH + 4], key_hash=digest(secret)
        )
        audit.append(token, action="create_token", actor=person, payload={"name": token.name})
    return token, secret


def revoke_token(token: ApiToken, *, by: Any) -> ApiToken:
    """Revoke a token at once; revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.append(token, action="revoke_token", actor=by, payload={"name": token.name})
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (None if unknown or revoked); records its use."""
    token = ApiToken.objects.active().select_related("person").filter(key_hash=digest(secret)).first()
    if token is None or not token.person.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # not audited: a usage stamp only
        token.last_used_at = now
    return token


def tokens_of(person: Any) -> Any:
    """A person's tokens, newest first (revoked ones too, so they can see what was revoked)."""
    return ApiToken.objects.filter(person=person)
