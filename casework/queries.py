"""List-side twins of casework.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from casework.models import Case, Referral
from organisations.rules import is_administrator, is_panel_member


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Twin of casework.view_case: the team's own cases; everything for the panel and administrators."""
    qs = Case.objects.select_related("organisation", "owner")
    if not user.is_authenticated:
        return qs.none()
    if is_administrator(user) or is_panel_member(user):
        return qs
    return qs.filter(Q(owner=user) | Q(team=user)).distinct()


def referrals_waiting(user: Any) -> QuerySet[Referral]:
    """Referrals no case has been opened for yet (for caseworkers, the panel and administrators)."""
    if not user.has_perm("casework.view_referral"):
        return Referral.objects.none()
    return Referral.objects.filter(case__isnull=True).select_related("organisation", "referred_by")
