"""The invitation link's token: Django's password-reset token machinery with its own salt and lifetime.

Like a reset token it is single use (it hashes the password, which setting one changes) and expires
(settings.INVITATION_TIMEOUT_DAYS). It also hashes `invited_at`, so resending an invitation or
revoking it makes every earlier link useless, and a revoked invitation (no `invited_at`) has none.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "organisations.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        invited = "" if user.invited_at is None else user.invited_at.replace(microsecond=0, tzinfo=None).isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{invited}"

    def check_token(self, user: Any, token: str | None) -> bool:
        # Django's check_token is bound to PASSWORD_RESET_TIMEOUT; an invitation has its own lifetime.
        if user is None or user.invited_at is None or not token:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.INVITATION_TIMEOUT_DAYS * 24 * 60 * 60:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_token = InvitationTokenGenerator()
