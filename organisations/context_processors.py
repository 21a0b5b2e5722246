from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def signed_in_person(request: HttpRequest) -> dict[str, Any]:
    """The header's "who am I and in which roles", and the service name."""
    user = getattr(request, "user", None)
    roles: list[str] = []
    if user is not None and user.is_authenticated:
        seen: set[str] = set()
        for membership in user.current_memberships:
            label = membership.get_role_display()
            if label not in seen:
                seen.add(label)
                roles.append(label)
    return {"site_name": settings.SITE_NAME, "my_roles": roles}
