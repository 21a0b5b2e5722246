"""Loading objects for a person: 404 when they may not see it, 403 when they may see but not act."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

M = TypeVar("M", bound=models.Model)


def get_object_for_user(
    request: HttpRequest,
    queryset: type[M] | models.QuerySet[M],
    *,
    view_perm: str,
    perm: str | None = None,
    **lookup: Any,
) -> M:
    """Fetch one object by `lookup` that `request.user` may view (`view_perm`), and act on (`perm`).

    Not visible and not existing look the same (404), so confidential records do not leak their
    existence. A visible object the person may not act on gives 403.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        obj = qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    user = request.user
    if not user.has_perm(view_perm, obj):
        raise Http404
    if perm and not user.has_perm(perm, obj):
        raise PermissionDenied
    return obj
