"""Conflict-of-interest checks run before anyone is invited to review an organisation.

Each check returns plain sentences. A coordinator may waive what is found with a recorded reason;
a reviewer never can (peerreview.workflow.invite_reviewer enforces it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from organisations.models import Borough, ConflictDeclaration, Membership
from peerreview.models import Assignment, Review


@dataclass(frozen=True)
class Conflict:
    kind: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def check(reviewer: Any, review: Review) -> list[Conflict]:
    """Everything that stands in the way of `reviewer` reviewing `review`'s organisation."""
    org = review.organisation
    found: list[Conflict] = []
    years = _setting("PEER_REVIEW_CONFLICT_YEARS", 3)
    memberships = Membership.objects.filter(person=reviewer).select_related("organisation")
    if memberships.current().filter(organisation=org).exists():
        found.append(Conflict("own_organisation", f"Works for or holds a role at {org.name}."))
    elif memberships.within_years(years).filter(organisation=org).exists():
        found.append(Conflict("recent_membership", f"Held a role at {org.name} in the last {years} years."))
    for declaration in ConflictDeclaration.objects.current().filter(person=reviewer, organisation=org):
        found.append(
            Conflict("declared", f"Declared interest: {declaration.get_kind_display().lower()} — {declaration.reason}")
        )
    if _setting("PEER_REVIEW_SAME_BOROUGH_CONFLICT", True):
        own_orgs = {m.organisation_id for m in memberships.current()}
        # Two separate filter() calls: two joins. (org.boroughs.filter(...) would reuse the related
        # manager's own join and ask one row to be both organisations, which finds nothing.)
        shared = Borough.objects.filter(organisations=org).filter(organisations__in=own_orgs).distinct()
        if shared.exists():
            names = ", ".join(b.name for b in shared[:3])
            found.append(Conflict("same_borough", f"Their organisation also serves {names}."))
    cap = _setting("PEER_REVIEW_YEARLY_CAP", 3)
    this_year = (
        Assignment.objects.filter(reviewer=reviewer, created_at__year=timezone.localdate().year)
        .exclude(state__in=[Assignment.State.DECLINED, Assignment.State.REPLACED])
        .exclude(review=review)
    )
    if this_year.count() >= cap:
        found.append(Conflict("yearly_cap", f"Already on {this_year.count()} reviews this year (the cap is {cap})."))
    return found
