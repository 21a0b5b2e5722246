"""Who may do what in a peer review. Predicates accept a Review or anything that belongs to one
(an Assignment, Finding, Action, Reply)."""

from __future__ import annotations

from typing import Any

import rules

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from peerreview import conflicts
from peerreview.models import Reply, Review

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
def is_responsible_person_of_reviewed(user: Any, obj: Any) -> bool:
    """The person is the reviewed organisation's nominated responsible person."""
    if obj is None or not user.is_authenticated:
        return False
    return user.has_role(Role.RESPONSIBLE_PERSON, organisation=review_of(obj).organisation_id)


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


def _has_any_place(user: Any, obj: Any) -> bool:
    """The person was ever put on the review's panel (invited, working or replaced; not declined)."""
    return any(state != "declined" for _, state in panel_places(user, obj))


INDEPENDENCE_CACHE = "_independence"


def _is_free_of_conflict(user: Any, review: Review) -> bool:
    """No conflict of interest with the reviewed organisation (the yearly cap aside); once per
    review instance and person."""
    cache = review.__dict__.setdefault(INDEPENDENCE_CACHE, {})
    if user.pk not in cache:
        cache[user.pk] = not conflicts.check(user, review, cap=False)
    return cache[user.pk]


@rules.predicate
def is_independent_quality_panel_member(user: Any, obj: Any) -> bool:
    """The person serves on the quality panel, is not on this review's panel, and has no conflict
    with the organisation under review."""
    if obj is None or not user.is_authenticated or not user.has_role(Role.QUALITY_PANEL):
        return False
    review = review_of(obj)
    return not _has_any_place(user, review) and _is_free_of_conflict(user, review)


# The steps that are a part in the review's judgement (history reasons on the review).
JUDGEMENT_STEPS = (
    "return_to_moderation",
    "issue_draft",
    "outcome",
    "decide_outcome",
    "dismiss_appeal",
    "uphold_appeal",
)


def had_earlier_part(user: Any, review: Review) -> bool:
    """The person sat on the panel, did quality assurance, decided a challenge, or proposed or
    confirmed the outcome of this review (its history says so)."""
    if _has_any_place(user, review):
        return True
    if Reply.objects.filter(finding__review=review, decided_by=user).exists():
        return True
    steps = review.history.filter(id=review.pk, history_user=user, history_change_reason__in=JUDGEMENT_STEPS)
    return steps.exists()


@rules.predicate
def is_independent_appeals_member(user: Any, obj: Any) -> bool:
    """The person serves on the appeals group, had no earlier part in this review, and has no
    conflict with the organisation under review."""
    if obj is None or not user.is_authenticated or not user.has_role(Role.APPEALS_GROUP):
        return False
    review = review_of(obj)
    return not had_earlier_part(user, review) and _is_free_of_conflict(user, review)


QUALITY_ASSURED = {
    "quality_assurance",
    "right_of_reply",
    "reply_consideration",
    "outcome_decided",
    "published",
    "appeal",
    "action_planning",
    "monitoring",
    "progress_review",
    "closed",
    "reopened",
}


@rules.predicate
def has_reached_quality_assurance(user: Any, obj: Any) -> bool:
    """The review has been sent for quality assurance (or gone further)."""
    return obj is not None and review_of(obj).state in QUALITY_ASSURED


@rules.predicate
def has_an_appeal(user: Any, obj: Any) -> bool:
    """The organisation has lodged an appeal against the review."""
    return obj is not None and review_of(obj).appeals.exists()


hub = is_coordinator | is_administrator
quality_panel = is_independent_quality_panel_member & has_reached_quality_assurance
appeals_group = is_independent_appeals_member & has_an_appeal

rules.add_perm(
    "peerreview.view_review",
    hub | is_invited_or_on_panel | is_contact_of_reviewed | funder_may_read | quality_panel | appeals_group,
)
rules.add_perm("peerreview.add_review", hub)
rules.add_perm("peerreview.coordinate_review", hub)
# Process moves the hub may facilitate for the panel (going to the visit, skipping it, starting
# moderation, sending for quality assurance); the judgements themselves are judge_review's.
rules.add_perm("peerreview.lead_review", is_lead_of_review | hub)
# The panel's judgement is the peers': only the lead agrees findings, records moderated ratings and
# returns a desk review for more work. The hub decides no judgement; when the lead cannot go on, the
# hub appoints another panel member as lead (workflow.appoint_lead), never judging in their place.
rules.add_perm("peerreview.judge_review", is_lead_of_review)
# Peers decide, the hub facilitates: quality assurance and confirming the outcome are the quality
# panel's; the review panel's lead proposes the outcome; appeals are the appeals group's.
rules.add_perm("peerreview.assure_review", is_independent_quality_panel_member)
rules.add_perm("peerreview.propose_outcome", is_lead_of_review)
rules.add_perm("peerreview.consider_replies", is_contact_of_reviewed | hub)
# A lifeboat referral from a review goes through the coordinator (never the panel alone).
rules.add_perm("peerreview.refer_review", hub)
rules.add_perm("peerreview.plan_actions", is_contact_of_reviewed | hub)
rules.add_perm("peerreview.withdraw_review", is_contact_of_reviewed)
rules.add_perm("peerreview.appeal_review", is_contact_of_reviewed)
rules.add_perm("peerreview.decide_appeal", is_independent_appeals_member)
rules.add_perm("peerreview.self_assess_review", is_contact_of_reviewed)
rules.add_perm("peerreview.write_findings", is_on_panel | hub)
rules.add_perm("peerreview.view_panel_work", is_on_panel | hub | quality_panel)

# Assignments
rules.add_perm("peerreview.respond_assignment", is_assigned_reviewer)
rules.add_perm("peerreview.score_assignment", is_assigned_reviewer)
rules.add_perm("peerreview.coordinate_assignment", hub)
rules.add_perm("peerreview.return_assignment", is_lead_of_review & ~is_assigned_reviewer)

# Findings and replies
rules.add_perm("peerreview.reply_finding", is_contact_of_reviewed)
# The organisation's own rights: its management response, and consent to publish or share with a
# named funder (given and withdrawn by its contacts only, never by the hub).
rules.add_perm("peerreview.respond_review", is_contact_of_reviewed)
rules.add_perm("peerreview.consent_review", is_contact_of_reviewed)
# Any contact drafts replies; the organisation's nominated responsible person signs them off.
rules.add_perm("peerreview.sign_off_replies", is_contact_of_reviewed & is_responsible_person_of_reviewed)
# Challenges are decided by a peer who was not on the visit: an independent quality panel member.
rules.add_perm("peerreview.decide_reply", is_independent_quality_panel_member)


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
    & (
        hub
        | wrote_finding
        | has_submitted_own_scores
        | (finding_is_agreed & (is_on_panel | quality_panel | draft_is_issued))
    ),
)
rules.add_perm(
    "peerreview.view_result", hub | quality_panel | has_submitted_own_scores | (may_view_review & draft_is_issued)
)
