"""List-side twins of standards.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from standards.models import Framework, FrameworkVersion


def versions_visible_to(user: Any) -> QuerySet[FrameworkVersion]:
    """Twin of standards.view_frameworkversion."""
    qs = FrameworkVersion.objects.select_related("framework")
    if is_administrator(user) or is_coordinator(user):
        return qs
    if user.is_authenticated:
        stewarded = user.organisations_with_role(Membership.Role.STEWARD)
        return qs.filter(~Q(state=FrameworkVersion.State.DRAFT) | Q(framework__owners__in=stewarded)).distinct()
    return qs.public()


def frameworks_visible_to(user: Any) -> QuerySet[Framework]:
    """Frameworks with at least one version the person may read (all, for the people who manage them)."""
    if is_administrator(user) or is_coordinator(user):
        return Framework.objects.all()
    return Framework.objects.filter(pk__in=versions_visible_to(user).values("framework")).distinct()
