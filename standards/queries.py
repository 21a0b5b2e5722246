"""List-side twins of standards.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from standards.models import Comment, Framework, FrameworkVersion


def versions_visible_to(user: Any) -> QuerySet[FrameworkVersion]:
    """Twin of standards.view_frameworkversion."""
    qs = FrameworkVersion.objects.select_related("framework")
    if is_administrator(user) or is_coordinator(user):
        return qs
    if user.is_authenticated:
        stewarded = user.organisations_with_role(Membership.Role.STEWARD)
        return qs.filter(~Q(state=FrameworkVersion.State.DRAFT) | Q(framework__owners__in=stewarded)).distinct()
    return qs.public()


def stewards_work(user: Any) -> list[FrameworkVersion]:
    """The draft and consulting versions of the frameworks the person stewards, each with its
    comments awaiting an answer (`unanswered`), most of those first."""
    stewarded = Framework.objects.filter(owners__in=user.organisations_with_role(Membership.Role.STEWARD))
    unanswered = Count("comments", filter=Q(comments__answer=Comment.Answer.UNANSWERED))
    versions = FrameworkVersion.objects.unfinished().filter(framework__in=stewarded.values("pk"))
    return list(versions.select_related("framework").annotate(unanswered=unanswered).order_by("-unanswered", "pk")[:30])


def consultations_open_to(user: Any) -> list[FrameworkVersion]:
    """Consultations the person may comment on now (standards.comment_frameworkversion), closing soonest first."""
    versions = FrameworkVersion.objects.open_for_comment().select_related("framework")
    soonest = versions.order_by("consultation_closes_on", "pk")[:30]
    return [v for v in soonest if user.has_perm("standards.comment_frameworkversion", v)]


def frameworks_visible_to(user: Any) -> QuerySet[Framework]:
    """Frameworks with at least one version the person may read (all, for the people who manage them)."""
    if is_administrator(user) or is_coordinator(user):
        return Framework.objects.all()
    return Framework.objects.filter(pk__in=versions_visible_to(user).values("framework")).distinct()
