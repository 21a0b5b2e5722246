"""Conflict-of-interest checks run before anyone is invited to review an organisation, and before a
quality panel or appeals group member acts on a review.

Each check returns plain sentences. Some conflicts can never be waived (`waivable=False`): the
person's own organisation or a current role there, and a declared employment, trusteeship,
personal relationship or financial interest. The rest (a past role, the same borough, a shared
consortium or other declared interest, a reciprocal pair in the same year, the yearly cap) may be
waived with a recorded reason by someone who does not benefit (peerreview.workflow.invite_reviewer
enforces it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from organisations.models import Borough, ConflictDeclaration, Membership
from peerreview.models import Assignment, Review

# Declared interests that are a current role at the body, or a personal stake in it.
ABSOLUTE_DECLARATIONS = frozenset(
    {
        ConflictDeclaration.Kind.EMPLOYMENT,
        ConflictDeclaration.Kind.TRUSTEESHIP,
        ConflictDeclaration.Kind.PERSONAL,
        ConflictDeclaration.Kind.FINANCIAL,
    }
)


@dataclass(frozen=True)
class Conflict:
    kind: str
    detail: str
    waivable: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "waivable": self.waivable}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def absolute(found: list[Conflict]) -> list[Conflict]:
    """The conflicts in `found` that nobody may waive."""
    return [c for c in found if not c.waivable]


def check(reviewer: Any, review: Review, *, cap: bool = True) -> list[Conflict]:
    """Everything that stands in the way of `reviewer` reviewing `review`'s organisation.
    `cap=False` leaves out the yearly cap (a limit on reviewing load, not an interest)."""
    org = review.organisation
    found: list[Conflict] = []
    years = _setting("PEER_REVIEW_CONFLICT_YEARS", 3)
    memberships = Membership.objects.filter(person=reviewer).select_related("organisation")
    if memberships.current().filter(organisation=org).exists():
        found.append(Conflict("own_organisation", f"Works for or holds a current role at {org.name}.", waivable=False))
    elif memberships.within_years(years).filter(organisation=org).exists():
        found.append(Conflict("recent_membership", f"Held a role at {org.name} in the last {years} years."))
    for declaration in ConflictDeclaration.objects.current().filter(person=reviewer, organisation=org):
        found.append(
            Conflict(
                "declared",
                f"Declared interest: {declaration.get_kind_display().lower()} — {declaration.reason}",
                waivable=declaration.kind not in ABSOLUTE_DECLARATIONS,
            )
        )
    own_orgs = {m.organisation_id for m in memberships.current()} - {org.pk}
    if _setting("PEER_REVIEW_SAME_BOROUGH_CONFLICT", True):
        # Two separate filter() calls: two joins. (org.boroughs.filter(...) would reuse the related
        # manager's own join and ask one row to be both organisations, which finds nothing.)
        shared = Borough.objects.filter(organisations=org).filter(organisations__in=own_orgs).distinct()
        if shared.exists():
            names = ", ".join(b.name for b in shared[:3])
            found.append(Conflict("same_borough", f"Their organisation also serves {names}."))
    reciprocal = _reciprocal_reviews(org, own_orgs, review)
    if reciprocal:
        names = ", ".join(sorted(reciprocal))
        found.append(
            Conflict("reciprocal", f"{org.name} is reviewing {names} this year: the two would review each other.")
        )
    if cap:
        limit = _setting("PEER_REVIEW_YEARLY_CAP", 3)
        this_year = (
            Assignment.objects.filter(reviewer=reviewer, created_at__year=timezone.localdate().year)
            .exclude(state__in=[Assignment.State.DECLINED, Assignment.State.REPLACED])
            .exclude(review=review)
        )
        if this_year.count() >= limit:
            found.append(
                Conflict("yearly_cap", f"Already on {this_year.count()} reviews this year (the cap is {limit}).")
            )
    return found


def _reciprocal_reviews(org: Any, own_orgs: set[int], review: Review) -> set[str]:
    """Names of the person's organisations that people from `org` are reviewing this calendar year."""
    if not own_orgs:
        return set()
    staff_of_reviewed = Membership.objects.current().filter(organisation=org).values("person")
    assignments = (
        Assignment.objects.filter(
            review__organisation__in=own_orgs,
            reviewer__in=staff_of_reviewed,
            created_at__year=timezone.localdate().year,
        )
        .exclude(state__in=[Assignment.State.DECLINED, Assignment.State.REPLACED])
        .exclude(review=review)
    )
    return set(assignments.values_list("review__organisation__name", flat=True))


def conflicted_organisations(person: Any) -> set[int]:
    """Ids of every organisation `person` has a conflict with (the yearly cap aside): the list-side
    twin of `check(person, review, cap=False)` being non-empty for a review of that organisation."""
    years = _setting("PEER_REVIEW_CONFLICT_YEARS", 3)
    memberships = Membership.objects.filter(person=person)
    own_orgs = set(memberships.current().values_list("organisation_id", flat=True))
    found = set(memberships.within_years(years).values_list("organisation_id", flat=True))
    found |= set(ConflictDeclaration.objects.current().filter(person=person).values_list("organisation_id", flat=True))
    if own_orgs and _setting("PEER_REVIEW_SAME_BOROUGH_CONFLICT", True):
        boroughs = Borough.objects.filter(organisations__in=own_orgs).values("pk")
        found |= set(
            Borough.organisations.through.objects.filter(borough__in=boroughs).values_list("organisation_id", flat=True)
        )
    if own_orgs:
        reviewers_of_own = Assignment.objects.filter(
            review__organisation__in=own_orgs, created_at__year=timezone.localdate().year
        ).exclude(state__in=[Assignment.State.DECLINED, Assignment.State.REPLACED])
        found |= set(
            Membership.objects.current()
            .filter(person__in=reviewers_of_own.values("reviewer"))
            .exclude(organisation__in=own_orgs)
            .values_list("organisation_id", flat=True)
        )
    return found
