"""Throttling per token (and per person for browser sessions, per address otherwise)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    """Each token has its own budget (`API_THROTTLE_RATE`), so one busy integration cannot starve
    a person's other tokens or their browser session."""

    scope = "token"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE  # read per request, so deployments and tests can change it

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
