"""Who may do what in a peer review. Predicates accept a Review or anything that belongs to one
(an Assignment, Finding, Action, Reply)."""

from __future__ import annotations

from typing import Any

import rules

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from peerreview.models import Review

Role = Membership.Role
WORKING = ("accepted", "submitted", "returned")


def review_of(obj: Any) -> Review:
    """The review an object belongs to (a Review, or an Assignment, Finding, Action, Reply…)."""
    if isinstance(obj, Review):
        return obj
    if hasattr(obj, "review"):
        return obj.review
    return obj.finding.review


PLACES_CACHE = "_panel_places"


def panel_places(user: Any, obj: Any) -> frozenset[tuple[str, str]]:
    """(role, state) of each of the person's assignments on the review: one query per review
    instance and person, however many permissions a page asks about. Assignment.save() forgets
    it on the review instance it was saved through."""
    if obj is None or not user.is_authenticated:
        return frozenset()
    review = review_of(obj)
    cache = review.__dict__.setdefault(PLACES_CACHE, {})
    if user.pk not in cache:
        cache[user.pk] = frozenset(review.assignments.filter(reviewer=user).values_list("role", "state"))
    return cache[user.pk]


@rules.predicate
def is_on_panel(user: Any, obj: Any) -> bool:
    """The person is a working member of the review's panel."""
    return any(state in WORKING for _, state in panel_places(user, obj))


@rules.predicate
def is_invited_or_on_panel(user: Any, obj: Any) -> bool:
    """The person has been invited to, or works on, the review's panel."""
    return any(state in (*WORKING, "invited") for _, state in panel_places(user, obj))


@rules.predicate
def is_lead_of_review(user: Any, obj: Any) -> bool:
    """The person is the review's lead reviewer."""
    return any(role == "lead" and state in WORKING for role, state in panel_places(user, obj))


@rules.predicate
def is_contact_of_reviewed(user: Any, obj: Any) -> bool:
    """The person is a contact of the organisation under review."""
    if obj is None or not user.is_authenticated:
        return False
    return user.has_role(Role.CONTACT, organisation=review_of(obj).organisation_id)


@rules.predicate
def is_assigned_reviewer(user: Any, assignment: Any) -> bool:
    """The assignment is the person's own."""
    return assignment is not None and user.is_authenticated and assignment.reviewer_id == user.pk


@rules.predicate
def funder_may_read(user: Any, obj: Any) -> bool:
    """The review is published and public, or shared with the person's funder organisation."""
    if obj is None or not user.is_authenticated:
        return False
    review = review_of(obj)
    if review.published_at is None or review.state in ("withdrawn", "cancelled"):
        return False
    if review.visibility == "public":
        return True
    funders = user.organisations_with_role(Role.FUNDER_READER)
    return review.visibility == "funders" and review.shared_with.filter(pk__in=funders).exists()


hub = is_coordinator | is_administrator
independent_hub = hub & ~is_on_panel

rules.add_perm("peerreview.view_review", hub | is_invited_or_on_panel | is_contact_of_reviewed | funder_may_read)
rules.add_perm("peerreview.add_review", hub)
rules.add_perm("peerreview.coordinate_review", hub)
rules.add_perm("peerreview.lead_review", is_lead_of_review | hub)
rules.add_perm("peerreview.assure_review", independent_hub)
rules.add_perm("peerreview.consider_replies", is_contact_of_reviewed | hub)
rules.add_perm("peerreview.plan_actions", is_contact_of_reviewed | hub)
rules.add_perm("peerreview.withdraw_review", is_contact_of_reviewed)
rules.add_perm("peerreview.appeal_review", is_contact_of_reviewed)
rules.add_perm("peerreview.decide_appeal", independent_hub)
rules.add_perm("peerreview.self_assess_review", is_contact_of_reviewed)
rules.add_perm("peerreview.write_findings", is_on_panel | hub)
rules.add_perm("peerreview.view_panel_work", is_on_panel | hub)

# Assignments
rules.add_perm("peerreview.respond_assignment", is_assigned_reviewer)
rules.add_perm("peerreview.score_assignment", is_assigned_reviewer)
rules.add_perm("peerreview.coordinate_assignment", hub)
rules.add_perm("peerreview.return_assignment", (is_lead_of_review & ~is_assigned_reviewer) | hub)

# Findings and replies
rules.add_perm("peerreview.reply_finding", is_contact_of_reviewed)
rules.add_perm("peerreview.decide_reply", independent_hub)


# --- Judgements are private until issued (issue #16) ----------------------------------------------
# Kept apart from the role permissions above: a draft finding is its author's (and the hub's) until
# moderation agrees it, and the organisation reads findings, ratings and the overall result only
# from the draft report's issue. Blind review: a reviewer reads colleagues' drafts only once they
# have submitted their own scores. The SQL twin is queries.findings_visible_to.


@rules.predicate
def wrote_finding(user: Any, finding: Any) -> bool:
    """The person wrote this finding."""
    return finding is not None and user.is_authenticated and getattr(finding, "author_id", None) == user.pk


@rules.predicate
def finding_is_agreed(user: Any, finding: Any) -> bool:
    """Moderation has agreed the finding (it is no longer a draft)."""
    return finding is not None and finding.state != "draft"


@rules.predicate
def has_submitted_own_scores(user: Any, obj: Any) -> bool:
    """The person's own scores for the review are submitted (blind review is over for them)."""
    return any(state == "submitted" for _, state in panel_places(user, obj))


@rules.predicate
def draft_is_issued(user: Any, obj: Any) -> bool:
    """The review's draft report has been issued to the organisation."""
    return obj is not None and review_of(obj).draft_issued


@rules.predicate
def may_view_review(user: Any, obj: Any) -> bool:
    """The person may see the review this belongs to (peerreview.view_review)."""
    return obj is not None and user.has_perm("peerreview.view_review", review_of(obj))


rules.add_perm(
    "peerreview.view_finding",
    may_view_review
    & (hub | wrote_finding | has_submitted_own_scores | (finding_is_agreed & (is_on_panel | draft_is_issued))),
)
rules.add_perm("peerreview.view_result", hub | has_submitted_own_scores | (may_view_review & draft_is_issued))
