"""Throttling per token (and per person for browser sessions, per address otherwise)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    """Each token has its own budget (`API_THROTTLE_RATE`), so one busy integration cannot starve
    a person's other tokens or their browser session.

    Counted in fixed windows (each minute, for a rate per minute) with the shared cache's atomic
    add-then-increment: DRF's own sliding log reads the history and writes it back, so requests
    arriving together at several workers each read the count before the others wrote it."""

    scope = "token"
    num_requests: int  # set from the rate by SimpleRateThrottle.__init__
    duration: int
    window_ends: float = 0.0

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the key expired between add and incr
            self.cache.add(key, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        return max(self.window_ends - self.timer(), 0.0)

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
