"""Who may see and revoke a personal API token: only the person it belongs to."""

from __future__ import annotations

from typing import Any

import rules

from organisations.rules import is_signed_in


@rules.predicate
def owns_token(user: Any, token: Any) -> bool:
    """The token is the person's own."""
    return token is not None and user.is_authenticated and token.person_id == user.pk


rules.add_perm("api.add_apitoken", is_signed_in)
rules.add_perm("api.view_apitoken", owns_token)
rules.add_perm("api.revoke_apitoken", owns_token)
