"""Peer review operations: one function per thing a person does. Views, the seeder and the tests
call these; nothing else saves review data.

State moves go through core.workflow.transition (locked, permission-checked, guarded, audited).
Other writes save with the actor as history user and append an audit event in the same
transaction. Mail is queued with transaction.on_commit (see peerreview/emails.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import workflow as casework
from core import audit
from core.dates import add_working_days, refuse_future, years_after
from core.workflow import RowErrors, changes, check_rows, transition
from core.workflow import require as _require
from core.workflow import save_with_history as _save
from organisations.models import Organisation, User
from peerreview import conflicts, emails, queries
from peerreview.models import (
    RESPONSE_MAX_WORDS,
    Action,
    Appeal,
    Assignment,
    Consent,
    Evidence,
    ExtensionRequest,
    Finding,
    ModeratedRating,
    Reply,
    ReportSnapshot,
    Review,
    ReviewerRating,
    SeenReceipt,
    SelfRating,
    spread_flags,
)
from standards import scoring
from standards.models import FrameworkVersion, Indicator, Standard

SELF_ASSESSMENT_WORKING_DAYS = 30
INVITATION_WORKING_DAYS = 5
DESK_REVIEW_WORKING_DAYS = 15
REPLY_WORKING_DAYS = 10
PROGRESS_REVIEW_MONTHS = 10
VALID_YEARS = 3


# The panel's judgements are the peers' (peerreview.judge_review): the hub decides none of them.
MODERATION_REFUSAL = (
    "Only the review's lead reviewer records the panel's agreed ratings; the hub coordinates but does not judge."
)


def _record(obj: Any, action: str, *, by: User, review: Review, reason: str = "", **payload: Any) -> None:
    audit.append(obj, action=action, actor=by, role=review.acting_role(by), reason=reason, payload=payload)


def _today() -> datetime.date:
    return timezone.localdate()


def _require_state(review: Review, *states: str, doing: str) -> None:
    _require_open(review, review.state in states, doing=doing)


def _require_open(review: Review, is_open: bool, *, doing: str) -> None:
    """Refuse unless the work is open at the review's stage (`is_open`: the Review property the pages read)."""
    if not is_open:
        raise ValidationError(f"You cannot {doing} while the review is at “{review.get_state_display()}”.")


# --- setting up ------------------------------------------------------------------------------------


def create_review(
    organisation: Organisation,
    version: FrameworkVersion,
    *,
    by: User,
    scope: str = "",
    previous: Review | None = None,
) -> Review:
    """Open a review in scoping. Side effects: history, audit "create"."""
    if not by.has_perm("peerreview.add_review"):
        raise PermissionDenied
    if version.state != FrameworkVersion.State.PUBLISHED:
        raise ValidationError({"framework_version": "Choose a published version of a framework."})
    if not organisation.is_support_body:
        raise ValidationError(
            {"organisation": "Peer review is for support bodies (CVSs, volunteer centres, networks…)."}
        )
    with transaction.atomic():
        review = Review(
            organisation=organisation, framework_version=version, coordinator=by, scope=scope, previous_review=previous
        )
        _save(review, by=by, reason="create")
        _record(review, "create", by=by, review=review, version=version.pk)
    return review


def renew_review(previous: Review, *, by: User) -> Review:
    """Start the next cycle pre-filled from the last one (scope; the framework's current version)."""
    if not previous.renewable:
        raise ValidationError("A renewal starts once the review has reached monitoring.")
    if Review.objects.filter(previous_review=previous).exists():
        raise ValidationError("This review has already been renewed.")
    version = previous.framework_version.framework.current_published() or previous.framework_version
    review = create_review(previous.organisation, version, by=by, scope=previous.scope, previous=previous)
    codes = set(previous.in_scope.values_list("code", flat=True))
    if codes:
        review.in_scope.set(version.standards.filter(code__in=codes))
    return review


def update_scope(review: Review, *, by: User, scope: str, standards: Iterable[Standard] | None = None) -> Review:
    """Record the agreed scope and the standards in scope (scoping only)."""
    _require(by, "peerreview.coordinate_review", review)
    _require_open(review, review.scope_is_open, doing="change the scope")
    chosen = list(standards or [])
    if any(s.version_id != review.framework_version_id for s in chosen):
        raise ValidationError({"standards": "Choose standards from the review's framework version."})
    with transaction.atomic():
        review.scope = scope.strip()
        _save(review, by=by, reason="scope")
        review.in_scope.set(chosen)
        _record(review, "scope", by=by, review=review, standards=[s.code for s in chosen])
    return review


def move_review(review: Review, name: str, *, by: User, reason: str = "", **kwargs: Any) -> Review:
    """Any review transition that needs nothing around it (hold, resume, withdraw, cancel, appeal…)."""
    return transition(review, name, by=by, reason=reason, **kwargs)


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def start_self_assessment(review: Review, *, by: User) -> Review:
    """Open the self-assessment with its working-day deadline, and tell the organisation."""
    due = add_working_days(_today(), SELF_ASSESSMENT_WORKING_DAYS)
    review = transition(review, "start_self_assessment", by=by, due=due)
    emails.notify_contacts(review, "self_assessment_open")
    return review


# --- self-assessment -------------------------------------------------------------------------------


def _self_assessment_open(review: Review, by: User) -> None:
    _require(by, "peerreview.self_assess_review", review)
    if not review.self_assessment_is_open:
        _require_state(review, Review.State.SELF_ASSESSMENT, doing="change the self-assessment")
        raise ValidationError("The self-assessment has been submitted and is now frozen.")


def indicator_label(indicator: Indicator) -> str:
    """How a grid names an indicator's row: "Indicator 1.1.2" (its standard's code, then its place)."""
    return f"Indicator {indicator.standard.code}.{indicator.position}"


def standard_label(standard: Standard) -> str:
    """How a grid names a standard's row."""
    return f"Standard {standard.code}"


def finding_label(finding: Finding) -> str:
    """How the replies grid names a finding's row: its kind and its opening words."""
    words = finding.text if len(finding.text) <= 50 else f"{finding.text[:50].rstrip()}…"
    return f"{finding.get_kind_display()} “{words}”"


def _levels(review: Review) -> set[int]:
    return set(review.framework_version.framework.levels.values_list("value", flat=True))


def _once(seen: set[int], pk: int, what: str) -> None:
    if pk in seen:
        raise ValidationError(f"This {what} appears more than once; send it once.")
    seen.add(pk)


def _fields(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


SELF_RATING_FIELDS = ("rating", "commentary", "no_evidence", "no_evidence_note")


def _write_rows(
    cleaned: list[dict[str, Any]],
    *,
    existing: dict[int, Any],
    key: str,
    new: Any,
    fields: tuple[str, ...],
    by: User,
    reason: str,
) -> tuple[list[Any], list[tuple[Any, dict[str, list[Any]]]]]:
    """A grid's write, after every row was checked: each row onto its existing entry (found by the
    row's `key` object) or a new one (`new(row)`), saving only what changed. Returns the entries
    and, for each one written, what changed (for its audit event)."""
    saved, changed = [], []
    for row in cleaned:
        entry = existing.get(row[key].pk) or new(row)
        before = _fields(entry, fields) if entry.pk else {}
        for name in fields:
            setattr(entry, name, row[name])
        what = changes(before, _fields(entry, fields))
        if entry.pk is None or what:
            _save(entry, by=by, reason=reason)
            changed.append((entry, what))
        saved.append(entry)
    return saved, changed


def save_self_assessment(
    review: Review, *, by: User, rows: Iterable[dict[str, Any]] = (), position_statement: str | None = None
) -> list[SelfRating]:
    """Save the organisation's self-assessment grid (until it is submitted): each row is one
    indicator's `indicator`, `rating`, `commentary`, `no_evidence` and `no_evidence_note`, and
    the position statement when given. Every row is checked first: one bad row refuses the whole
    save (RowErrors naming each bad row) and nothing is written. Side effects, in one transaction:
    history "self_rate" and an audit "self_rate" with what changed per changed row; history and
    audit "position_statement" when the statement changes."""
    _self_assessment_open(review, by)
    in_scope = set(review.indicators_in_scope().values_list("pk", flat=True))
    levels = _levels(review) if review.is_scored else set()
    seen: set[int] = set()

    def check(row: dict[str, Any]) -> dict[str, Any]:
        indicator = row["indicator"]
        if indicator.pk not in in_scope:
            raise ValidationError("That indicator is not in this review's scope.")
        _once(seen, indicator.pk, "indicator")
        rating = row.get("rating")
        if not review.is_scored:
            rating = None
        elif rating is not None and rating not in levels:
            raise ValidationError({"rating": "Choose a level from the framework's scale."})
        no_evidence = bool(row.get("no_evidence"))
        note = (row.get("no_evidence_note") or "").strip()
        if no_evidence and not note:
            raise ValidationError({"no_evidence_note": "Say why there is no evidence for this indicator."})
        return {
            "indicator": indicator,
            "rating": rating,
            "commentary": (row.get("commentary") or "").strip(),
            "no_evidence": no_evidence,
            "no_evidence_note": note if no_evidence else "",
        }

    cleaned = check_rows("ratings", rows, label=lambda row: indicator_label(row["indicator"]), check=check)
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        _self_assessment_open(locked, by)
        existing = {
            e.indicator_id: e
            for e in SelfRating.objects.select_for_update().filter(
                review=locked, indicator__in=[row["indicator"].pk for row in cleaned]
            )
        }
        saved, changed = _write_rows(
            cleaned,
            existing=existing,
            key="indicator",
            new=lambda row: SelfRating(review=locked, indicator=row["indicator"]),
            fields=SELF_RATING_FIELDS,
            by=by,
            reason="self_rate",
        )
        if position_statement is not None and position_statement.strip() != locked.position_statement:
            old, locked.position_statement = locked.position_statement, position_statement.strip()
            _save(locked, by=by, reason="position_statement")
            changed.append((locked, {"position_statement": [old, locked.position_statement]}))
        for obj, what in changed:
            action = "position_statement" if obj is locked else "self_rate"
            _record(obj, action, by=by, review=locked, changes=what)
    review.position_statement = locked.position_statement
    return saved


def save_self_rating(
    review: Review,
    indicator: Indicator,
    *,
    by: User,
    rating: int | None,
    commentary: str = "",
    no_evidence: bool = False,
    no_evidence_note: str = "",
) -> SelfRating:
    """Save the organisation's rating of one indicator: save_self_assessment with one row."""
    row = {
        "indicator": indicator,
        "rating": rating,
        "commentary": commentary,
        "no_evidence": no_evidence,
        "no_evidence_note": no_evidence_note,
    }
    try:
        return save_self_assessment(review, by=by, rows=[row])[0]
    except RowErrors as error:
        raise error.rows[0] from None


def add_evidence(
    review: Review,
    *,
    by: User,
    title: str,
    upload: Any,
    dated_on: datetime.date,
    indicators: Iterable[Indicator],
    content_type: str,
) -> Evidence:
    """Attach a checked file (see core.uploads) to the review and tag it to indicators."""
    allowed = by.has_perm("peerreview.self_assess_review", review) or by.has_perm("peerreview.write_findings", review)
    if not allowed:
        raise PermissionDenied
    if review.state in (Review.State.CLOSED, Review.State.WITHDRAWN, Review.State.CANCELLED):
        raise ValidationError("The review is finished: no more evidence can be added.")
    tagged = list(indicators)
    if any(i.standard.version_id != review.framework_version_id for i in tagged):
        raise ValidationError({"indicators": "Tag indicators from this review's framework."})
    refuse_future(dated_on=dated_on)
    with transaction.atomic():
        evidence = Evidence(
            review=review,
            title=title.strip(),
            file=upload,
            original_name=upload.name[:200],
            content_type=content_type,
            size=upload.size,
            dated_on=dated_on,
            uploaded_by=by,
        )
        _save(evidence, by=by, reason="upload")
        evidence.indicators.set(tagged)
        _record(evidence, "upload", by=by, review=review, size=upload.size, content_type=content_type)
    return evidence


def missing_self_assessment(review: Review) -> list[str]:
    """What stops the self-assessment being submitted, in plain words (empty when complete)."""
    problems = []
    entries = {e.indicator_id: e for e in review.self_ratings.all()}
    evidenced = set(
        Evidence.indicators.through.objects.filter(evidence__review=review).values_list("indicator_id", flat=True)
    )
    for indicator in review.indicators_in_scope().select_related("standard"):
        entry = entries.get(indicator.pk)
        label = f"{indicator.standard.code}: {indicator.text[:60]}"
        if entry is None or (review.is_scored and entry.rating is None):
            problems.append(f"{label} — needs a self-rating" if review.is_scored else f"{label} — needs a commentary")
        elif not review.is_scored and not entry.commentary:
            problems.append(f"{label} — needs a commentary")
        if indicator.pk not in evidenced and not (entry and entry.no_evidence):
            problems.append(f"{label} — needs evidence, or a note saying there is none")
    if not review.position_statement.strip():
        problems.append("The position statement is empty")
    return problems


def save_position_statement(review: Review, *, by: User, text: str) -> Review:
    """Save the position statement alone: save_self_assessment with no rows."""
    save_self_assessment(review, by=by, position_statement=text)
    return review


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def submit_self_assessment(review: Review, *, by: User) -> Review:
    """Freeze the self-assessment once every indicator is rated and evidenced (or explained)."""
    _self_assessment_open(review, by)
    problems = missing_self_assessment(review)
    if problems:
        raise ValidationError(
            ["The self-assessment is not complete:", *problems[:10]]
            + ([f"…and {len(problems) - 10} more"] if len(problems) > 10 else [])
        )
    with transaction.atomic():
        review.self_assessment_submitted_at = timezone.now()
        _save(review, by=by, reason="submit_self_assessment")
        _record(review, "submit_self_assessment", by=by, review=review)
    emails.notify_coordinator(review, "self_assessment_submitted")
    return review


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def return_self_assessment(review: Review, *, by: User, reason: str) -> Review:
    """Send a submitted self-assessment back for completion (coordinator, reason required)."""
    _require(by, "peerreview.coordinate_review", review)
    _require_state(review, Review.State.SELF_ASSESSMENT, doing="return the self-assessment")
    if not reason.strip():
        raise ValidationError({"reason": "Say what needs completing."})
    with transaction.atomic():
        review.self_assessment_submitted_at = None
        _save(review, by=by, reason="return_self_assessment")
        _record(review, "return_self_assessment", by=by, review=review, reason=reason)
    emails.notify_contacts(review, "self_assessment_returned", reason=reason)
    return review


# --- the panel ---------------------------------------------------------------------------------------


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def invite_reviewer(
    review: Review, reviewer: Any, *, by: User, role: str = Assignment.Role.PEER, waiver_reason: str = ""
) -> Assignment:
    """Invite a reviewer after the conflict checks. A coordinator may waive what the checks find,
    with a reason; a reviewer can never waive their own conflicts."""
    _require(by, "peerreview.coordinate_review", review)
    if not review.invites_reviewers:
        raise ValidationError("Reviewers are invited before the desk review ends.")
    if reviewer.pk == by.pk and waiver_reason:
        raise PermissionDenied("Nobody may waive their own conflict of interest.")
    if not reviewer.has_role("reviewer", "lead_reviewer"):
        raise ValidationError({"reviewer": "Only people with a peer reviewer role can be invited."})
    if role == Assignment.Role.LEAD and review.active_assignments().filter(role=Assignment.Role.LEAD).exists():
        raise ValidationError({"role": "The review already has a lead reviewer."})
    if review.active_assignments().filter(reviewer=reviewer).exists():
        raise ValidationError({"reviewer": "This person is already on the panel."})
    found = conflicts.check(reviewer, review)
    fixed = conflicts.absolute(found)
    if fixed:
        raise ValidationError(
            {"reviewer": [f"Conflict that cannot be waived: {c.detail}" for c in fixed] + [_ABSOLUTE_RULE]}
        )
    if found and not waiver_reason.strip():
        raise ValidationError(
            {
                "reviewer": [f"Conflict: {c.detail}" for c in found]
                + ["A coordinator may waive these with a recorded reason."]
            }
        )
    if found and _benefits_from(by, reviewer, review):
        raise PermissionDenied(
            "A conflict is waived by someone who does not benefit: not the reviewer, and nobody who holds a role "
            "at the organisation under review or at the reviewer's own organisation."
        )
    with transaction.atomic():
        assignment = Assignment(
            review=review,
            reviewer=reviewer,
            role=role,
            respond_by=add_working_days(_today(), INVITATION_WORKING_DAYS),
            conflicts_found=[c.as_dict() for c in found],
            waiver_reason=waiver_reason.strip() if found else "",
            waived_by=by if found else None,
        )
        _save(assignment, by=by, reason="invite")
        _record(
            assignment,
            "invite",
            by=by,
            review=review,
            reason=assignment.waiver_reason,
            reviewer=reviewer.pk,
            role=role,
            conflicts=assignment.conflicts_found,
        )
    emails.notify_people([reviewer], "invitation", review=review, assignment=assignment)
    return assignment


_ABSOLUTE_RULE = (
    "Nobody may review their own organisation, one where they hold a current role, or one in which they have "
    "declared an employment, trusteeship, personal or financial interest; these conflicts cannot be waived."
)


def _benefits_from(by: User, reviewer: Any, review: Review) -> bool:
    """Whether `by` gains from waiving `reviewer`'s conflict: the reviewer themselves, or anyone with a
    current role at the reviewed organisation or at the reviewer's own organisations."""
    if by.pk == reviewer.pk:
        return True
    theirs = {m.organisation_id for m in reviewer.current_memberships} | {review.organisation_id}
    return bool(theirs & {m.organisation_id for m in by.current_memberships})


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def accept_assignment(assignment: Assignment, *, by: User, declaration: bool) -> Assignment:
    """The reviewer accepts, signing the conflict-of-interest and confidentiality declaration."""
    if not declaration:
        raise ValidationError({"declaration": "Confirm the declaration to accept."})
    assignment = transition(assignment, "accept", by=by, role="reviewer")
    emails.notify_coordinator(assignment.review, "invitation_accepted", assignment=assignment)
    return assignment


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def decline_assignment(assignment: Assignment, *, by: User, reason: str) -> Assignment:
    """The reviewer declines; the reason is kept (and any conflict they mention)."""
    assignment = transition(assignment, "decline", by=by, reason=reason, role="reviewer", why=reason)
    emails.notify_coordinator(assignment.review, "invitation_declined", assignment=assignment)
    return assignment


def move_assignment(assignment: Assignment, name: str, *, by: User, reason: str = "") -> Assignment:
    """Reinstate or replace an assignment (coordinator), or return it for more work (the lead)."""
    return transition(assignment, name, by=by, reason=reason)


# Until the panel's work is sent for quality assurance, a lead who cannot go on can be succeeded.
LEAD_CAN_CHANGE = (
    Review.State.SCOPING,
    Review.State.SELF_ASSESSMENT,
    Review.State.DESK_REVIEW,
    Review.State.VISIT,
    Review.State.MODERATION,
    Review.State.ON_HOLD,
)


def lead_change_problem(assignment: Assignment) -> str:
    """Why this panel member cannot be made the lead now, or "" when they can."""
    review = assignment.review
    if review.state not in LEAD_CAN_CHANGE:
        return f"You cannot change the lead reviewer while the review is at “{review.get_state_display()}”."
    if assignment.state not in Assignment.WORKING:
        return "Only a reviewer who has accepted a place on the panel can lead it."
    if assignment.role == Assignment.Role.LEAD:
        return "This reviewer already leads the review."
    return ""


def appoint_lead(assignment: Assignment, *, by: User, reason: str) -> Assignment:
    """Make a working panel member the review's lead when the lead cannot go on: the hub's remedy
    is a new lead from the panel, never judging in the lead's place. Side effects: the previous
    lead stays on the panel as a peer; history and audit "appoint_lead" / "stand_down_lead"."""
    review = assignment.review
    _require(by, "peerreview.coordinate_assignment", assignment, "The hub coordinator appoints the panel's lead.")
    problem = lead_change_problem(assignment)
    if problem:
        raise ValidationError(problem)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the lead is changing."})
    with transaction.atomic():
        for old in review.active_assignments().filter(role=Assignment.Role.LEAD).select_for_update():
            old.role = Assignment.Role.PEER
            _save(old, by=by, reason="stand_down_lead")
            _record(
                old, "stand_down_lead", by=by, review=review, reason=reason.strip(), changes={"role": ["lead", "peer"]}
            )
        assignment.role = Assignment.Role.LEAD
        _save(assignment, by=by, reason="appoint_lead")
        _record(
            assignment, "appoint_lead", by=by, review=review, reason=reason.strip(), changes={"role": ["peer", "lead"]}
        )
    return assignment


def _check_can_score(assignment: Assignment, by: User) -> None:
    _require(by, "peerreview.score_assignment", assignment)
    if not assignment.desk_review_is_open:
        if assignment.state not in Assignment.SCORING:
            raise ValidationError("Your desk review is submitted; the lead can return it if it needs changing.")
        raise ValidationError("Ratings are given during the desk review.")


RATING_FIELDS = ("rating", "rationale")


def save_desk_review(
    assignment: Assignment, *, by: User, rows: Iterable[dict[str, Any]] = (), notes: str | None = None
) -> list[ReviewerRating]:
    """Save a reviewer's own, independent desk review: each row is one standard's `standard`,
    `rating` and `rationale`, and the notes when given. Every row is checked first: one bad row
    refuses the whole save (RowErrors naming each bad row) and nothing is written. Side effects,
    in one transaction: history "rate" and an audit "rate" with what changed per changed row;
    history "notes" and an audit "desk_notes" when the notes change."""
    _check_can_score(assignment, by)
    review = assignment.review
    in_scope = set(review.standards_in_scope().values_list("pk", flat=True))
    levels = _levels(review)
    seen: set[int] = set()

    def check(row: dict[str, Any]) -> dict[str, Any]:
        standard = row["standard"]
        if standard.pk not in in_scope:
            raise ValidationError("That standard is not in this review's scope.")
        _once(seen, standard.pk, "standard")
        rating = row.get("rating")
        if rating is not None and rating not in levels:
            raise ValidationError({"rating": "Choose a level from the framework's scale."})
        return {"standard": standard, "rating": rating, "rationale": (row.get("rationale") or "").strip()}

    cleaned = check_rows("ratings", rows, label=lambda row: standard_label(row["standard"]), check=check)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("review").get(pk=assignment.pk)
        _check_can_score(locked, by)
        existing = {
            r.standard_id: r
            for r in ReviewerRating.objects.select_for_update().filter(
                assignment=locked, standard__in=[row["standard"].pk for row in cleaned]
            )
        }
        saved, changed = _write_rows(
            cleaned,
            existing=existing,
            key="standard",
            new=lambda row: ReviewerRating(assignment=locked, standard=row["standard"]),
            fields=RATING_FIELDS,
            by=by,
            reason="rate",
        )
        if notes is not None and notes.strip() != locked.notes:
            old, locked.notes = locked.notes, notes.strip()
            _save(locked, by=by, reason="notes")
            changed.append((locked, {"notes": [old, locked.notes]}))
        for obj, what in changed:
            _record(obj, "desk_notes" if obj is locked else "rate", by=by, review=review, changes=what)
    assignment.notes = locked.notes
    return saved


def save_rating(
    assignment: Assignment, standard: Standard, *, by: User, rating: int | None, rationale: str
) -> ReviewerRating:
    """A reviewer's own, independent rating of one standard: save_desk_review with one row."""
    try:
        return save_desk_review(
            assignment, by=by, rows=[{"standard": standard, "rating": rating, "rationale": rationale}]
        )[0]
    except RowErrors as error:
        raise error.rows[0] from None


def save_desk_notes(assignment: Assignment, *, by: User, notes: str) -> Assignment:
    """Save the desk review notes alone: save_desk_review with no rows."""
    save_desk_review(assignment, by=by, notes=notes)
    return assignment


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def submit_assignment(assignment: Assignment, *, by: User) -> Assignment:
    """Submit the desk review; the reviewer may now see the others' submitted ratings."""
    assignment = transition(assignment, "submit", by=by)
    emails.notify_coordinator(assignment.review, "desk_review_submitted", assignment=assignment)
    return assignment


def ratings_visible_to(user: User, review: Review) -> list[ReviewerRating]:
    """Blind scoring: your own ratings always; others' only once you have submitted (hub staff
    see everything from moderation onwards, never during scoring)."""
    qs = ReviewerRating.objects.filter(assignment__review=review).select_related("assignment__reviewer", "standard")
    own = qs.filter(assignment__reviewer=user)
    mine = review.assignments.filter(reviewer=user, state=Assignment.State.SUBMITTED).exists()
    revealed = review.ratings_revealed
    if mine or (revealed and user.has_perm("peerreview.view_panel_work", review)):
        return list(qs.filter(assignment__state__in=[Assignment.State.SUBMITTED]) | own)
    return list(own)


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def start_desk_review(review: Review, *, by: User) -> Review:
    due = add_working_days(_today(), DESK_REVIEW_WORKING_DAYS)
    review = transition(review, "start_desk_review", by=by, due=due)
    emails.notify_people(
        [a.reviewer for a in review.assignments.filter(state__in=Assignment.WORKING)], "desk_review_open", review=review
    )
    return review


# --- visit, moderation and findings -----------------------------------------------------------------


def record_visit(review: Review, *, by: User, visit_date: datetime.date, notes: str) -> Review:
    """The lead records the visit: a date that has happened, on or after the self-assessment was
    submitted (the panel visits having read it). Side effects: history, audit "record_visit"
    with what changed."""
    _require(by, "peerreview.lead_review", review)
    _require_open(review, review.visit_is_open, doing="record the visit")
    refuse_future(visit_date=visit_date)
    submitted = review.self_assessment_submitted_at
    if submitted is not None and visit_date < timezone.localdate(submitted):
        raise ValidationError(
            {
                "visit_date": "The visit cannot be before the self-assessment was submitted "
                f"({timezone.localdate(submitted):%-d %B %Y})."
            }
        )
    with transaction.atomic():
        before = _fields(review, ("visit_date", "visit_notes"))
        review.visit_date, review.visit_notes = visit_date, notes.strip()
        _save(review, by=by, reason="record_visit")
        _record(
            review,
            "record_visit",
            by=by,
            review=review,
            visit_date=str(visit_date),
            changes=changes(before, _fields(review, ("visit_date", "visit_notes"))),
        )
    return review


MODERATION_FIELDS = ("rating", "rationale", "flag_note")


def moderate_standards(review: Review, *, by: User, rows: Iterable[dict[str, Any]]) -> list[ModeratedRating]:
    """Record the panel's agreed ratings (the lead's judgement, never the hub's): each row is one
    standard's `standard`, `rating`, `rationale` and `flag_note` (needed where the reviewers
    differed widely). Every row is checked first: one bad row refuses the whole save (RowErrors
    naming each bad row) and nothing is written. Side effects, in one transaction: history and an
    audit "moderate" with what changed per changed row."""
    _require(by, "peerreview.judge_review", review, MODERATION_REFUSAL)
    _require_open(review, review.moderation_is_open, doing="moderate ratings")
    in_scope = set(review.standards_in_scope().values_list("pk", flat=True))
    levels = _levels(review)
    flagged = set(spread_flags(review))
    seen: set[int] = set()

    def check(row: dict[str, Any]) -> dict[str, Any]:
        standard = row["standard"]
        if standard.pk not in in_scope:
            raise ValidationError("That standard is not in this review's scope.")
        _once(seen, standard.pk, "standard")
        rationale, flag_note = (row.get("rationale") or "").strip(), (row.get("flag_note") or "").strip()
        problems = {}
        if row.get("rating") not in levels:
            problems["rating"] = "Choose a level from the framework's scale."
        if not rationale:
            problems["rationale"] = "Give the rationale for the agreed rating."
        if standard.pk in flagged and not flag_note:
            problems["flag_note"] = "Reviewers differed by 2 or more levels: say how the panel settled it."
        if problems:
            raise ValidationError(problems)
        return {"standard": standard, "rating": row["rating"], "rationale": rationale, "flag_note": flag_note}

    cleaned = check_rows("ratings", rows, label=lambda row: standard_label(row["standard"]), check=check)
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        _require_open(locked, locked.moderation_is_open, doing="moderate ratings")
        existing = {
            m.standard_id: m
            for m in ModeratedRating.objects.select_for_update().filter(
                review=locked, standard__in=[row["standard"].pk for row in cleaned]
            )
        }
        saved, changed = _write_rows(
            cleaned,
            existing=existing,
            key="standard",
            new=lambda row: ModeratedRating(review=locked, standard=row["standard"]),
            fields=MODERATION_FIELDS,
            by=by,
            reason="moderate",
        )
        for entry, what in changed:
            _record(
                entry, "moderate", by=by, review=locked, standard=entry.standard.code, rating=entry.rating, changes=what
            )
    return saved


def moderate_standard(
    review: Review, standard: Standard, *, by: User, rating: int, rationale: str, flag_note: str = ""
) -> ModeratedRating:
    """Record the panel's agreed rating of one standard: moderate_standards with one row."""
    row = {"standard": standard, "rating": rating, "rationale": rationale, "flag_note": flag_note}
    try:
        return moderate_standards(review, by=by, rows=[row])[0]
    except RowErrors as error:
        raise error.rows[0] from None


def overall_result(review: Review) -> scoring.Result:
    """The overall result from the moderated ratings, explained step by step."""
    ratings = {m.standard.code: m.rating for m in review.moderated_ratings.select_related("standard")}
    expected = list(review.standards_in_scope().values_list("code", flat=True))
    return scoring.aggregate(review.framework_version.framework, ratings, expected=expected)


def add_finding(
    review: Review,
    *,
    by: User,
    kind: str,
    text: str,
    standards: Iterable[Standard] = (),
    evidence: Iterable[Evidence] = (),
) -> Finding:
    """A strength, area for development, recommendation or condition, tied to standards and evidence."""
    _require(by, "peerreview.write_findings", review)
    _require_open(review, review.takes_findings, doing="write findings")
    chosen = list(standards)
    if not text.strip():
        raise ValidationError({"text": "Write the finding."})
    if not chosen:
        raise ValidationError({"standards": "Tie the finding to at least one standard."})
    if any(s.version_id != review.framework_version_id for s in chosen):
        raise ValidationError({"standards": "Choose standards from the review's framework version."})
    with transaction.atomic():
        finding = Finding(review=review, author=by, kind=kind, text=text.strip())
        _save(finding, by=by, reason="create")
        finding.standards.set(chosen)
        finding.evidence.set(list(evidence))
        _record(finding, "create", by=by, review=review, kind=kind)
    return finding


def agree_finding(finding: Finding, *, by: User) -> Finding:
    """The lead agrees a draft finding at moderation (peerreview.judge_review: never the hub)."""
    return transition(finding, "agree", by=by)


def mark_seen(findings: Iterable[Finding], *, by: User) -> None:
    """Record the first time a person saw each finding ("seen by"); later views change nothing.
    Nothing is recorded for a finding the person may not see (peerreview.view_finding)."""
    findings = list(findings)
    seen = set(SeenReceipt.objects.filter(finding__in=findings, person=by).values_list("finding_id", flat=True))
    unseen = [f.pk for f in findings if f.pk not in seen]
    if not unseen:
        return
    visible = set(queries.findings_visible_to(by).filter(pk__in=unseen).values_list("pk", flat=True))
    SeenReceipt.objects.bulk_create(
        [SeenReceipt(finding_id=pk, person=by) for pk in unseen if pk in visible], ignore_conflicts=True
    )


# --- quality assurance, right of reply -------------------------------------------------------------


def build_report(review: Review) -> dict[str, Any]:
    """Everything the report shows, as plain data: the snapshot a PDF is rendered from."""
    result = overall_result(review)
    version = review.framework_version
    findings = (
        review.findings.exclude(state=Finding.State.WITHDRAWN).prefetch_related("standards").select_related("reply")
    )
    return {
        "review": review.pk,
        "organisation": {"name": review.organisation.name, "org_id": review.organisation.org_id},
        "framework": {"name": version.framework.name, "version": version.number, "scored": review.is_scored},
        "scope": review.scope,
        "panel": [
            {"name": a.reviewer.full_name, "role": a.get_role_display()}
            for a in review.assignments.filter(state__in=Assignment.WORKING).select_related("reviewer")
        ],
        "dates": {
            "self_assessment_submitted": str(review.self_assessment_submitted_at or ""),
            "visit": str(review.visit_date or ""),
        },
        "ratings": [
            {"code": m.standard.code, "title": m.standard.title, "rating": m.rating, "rationale": m.rationale}
            for m in review.moderated_ratings.select_related("standard").order_by("standard__position")
        ],
        "result": {"label": result.label, "mean": str(result.mean or ""), "steps": result.steps},
        # The scale and limiter the result was reached under, kept with it: the framework's may change later.
        "scale": [
            {"value": lv.value, "label": lv.label, "descriptor": lv.descriptor, "min_mean": str(lv.min_mean)}
            for lv in version.framework.levels.order_by("value")
        ],
        "rule": {"limiter_trigger": version.framework.limiter_trigger, "limiter_cap": version.framework.limiter_cap},
        "findings": [
            {
                "kind": f.get_kind_display(),
                "text": f.text,
                "standards": [s.code for s in f.standards.all()],
                "state": f.state,
                "reply": (
                    {
                        "kind": f.reply.get_kind_display(),
                        "text": f.reply.text,
                        "decision": f.reply.get_decision_display(),
                        "reason": f.reply.decision_reason,
                    }
                    if hasattr(f, "reply")
                    else None
                ),
            }
            for f in findings
        ],
        "outcome": {"value": review.get_outcome_display(), "rationale": review.outcome_rationale},
        "management_response": review.management_response,
        "actions": [
            {"text": a.text, "owner": a.owner, "due": str(a.due_on), "state": a.get_state_display()}
            for a in review.actions.all()
        ],
    }


def _snapshot(review: Review, *, by: User, kind: str) -> ReportSnapshot:
    data = build_report(review)
    data["report_version"] = review.report_version
    data["kind"] = kind
    snapshot = ReportSnapshot(
        review=review,
        version=review.report_version,
        kind=kind,
        data=data,
        fingerprint=ReportSnapshot.fingerprint_of(data),
        created_by=by,
    )
    snapshot.save()
    _record(snapshot, "snapshot", by=by, review=review, fingerprint=snapshot.fingerprint)
    return snapshot


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def issue_draft(review: Review, *, by: User) -> Review:
    """Issue the draft report for factual accuracy: snapshot it and start the reply clock."""
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.state == Review.State.QUALITY_ASSURANCE:
            locked.report_version += 1
            _save(locked, by=by, reason="report_version")
        review = transition(locked, "issue_draft", by=by, reply_due=add_working_days(_today(), REPLY_WORKING_DAYS))
        _snapshot(review, by=by, kind="draft")
    emails.notify_contacts(review, "draft_issued")
    return review


REPLY_FIELDS = ("kind", "text", "evidence_id")


def _replies_open(review: Review) -> None:
    _require_state(review, Review.State.RIGHT_OF_REPLY, doing="reply to findings")
    if review.replies_submitted_at:
        raise ValidationError("Your replies have been submitted.")


def reply_to_findings(review: Review, *, by: User, rows: Iterable[dict[str, Any]]) -> list[Reply]:
    """The organisation's replies to the draft report's findings: each row is one finding's
    `finding`, `kind` (accept, or challenge as (A), (B) or (C)), `text` and `evidence`. Every row
    is checked first: one bad row refuses the whole save (RowErrors naming each bad row) and
    nothing is written. Side effects, in one transaction: per changed row, history and an audit
    "reply" with what changed, and the finding's "challenge" move when a reply first challenges it."""
    rows = list(rows)
    for row in rows:
        _require(by, "peerreview.reply_finding", row["finding"])
    _replies_open(review)
    seen: set[int] = set()

    def check(row: dict[str, Any]) -> dict[str, Any]:
        finding, evidence = row["finding"], row.get("evidence")
        if finding.review_id != review.pk:
            raise ValidationError("That finding is not in this review.")
        _once(seen, finding.pk, "finding")
        if finding.state not in (Finding.State.AGREED, Finding.State.CHALLENGED):
            raise ValidationError("This finding is not open for reply.")
        if evidence is not None and evidence.review_id != review.pk:
            raise ValidationError({"evidence": "Choose evidence from this review."})
        candidate = Reply(
            finding=finding, kind=row.get("kind", ""), text=(row.get("text") or "").strip(), evidence=evidence
        )
        candidate.replied_by = by
        candidate.full_clean(exclude=["finding"])
        return {"finding": finding, "kind": candidate.kind, "text": candidate.text, "evidence": evidence}

    cleaned = check_rows("replies", rows, label=lambda row: finding_label(row["finding"]), check=check)
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        _replies_open(locked)
        pks = [row["finding"].pk for row in cleaned]
        findings = {f.pk: f for f in Finding.objects.select_for_update().filter(pk__in=pks)}
        existing = {r.finding_id: r for r in Reply.objects.select_for_update().filter(finding__in=pks)}
        saved = []
        for row in cleaned:
            finding = findings[row["finding"].pk]
            reply = existing.get(finding.pk) or Reply(finding=finding, replied_by=by)
            before = _fields(reply, REPLY_FIELDS) if reply.pk else {}
            reply.kind, reply.text, reply.evidence = row["kind"], row["text"], row["evidence"]
            what = changes(before, _fields(reply, REPLY_FIELDS))
            if reply.pk is None or what:
                reply.replied_by = by
                _save(reply, by=by, reason="reply")
                if reply.is_challenge and finding.state == Finding.State.AGREED:
                    transition(finding, "challenge", by=by, role="contact")
                _record(reply, "reply", by=by, review=locked, kind=reply.kind, changes=what)
            saved.append(reply)
    return saved


def reply_to_finding(
    finding: Finding, *, by: User, kind: str, text: str = "", evidence: Evidence | None = None
) -> Reply:
    """The organisation accepts a finding or challenges it as (A), (B) or (C): reply_to_findings
    with one row."""
    row = {"finding": finding, "kind": kind, "text": text, "evidence": evidence}
    try:
        return reply_to_findings(finding.review, by=by, rows=[row])[0]
    except RowErrors as error:
        raise error.rows[0] from None


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def submit_replies(review: Review, *, by: User) -> Review:
    """The organisation's nominated responsible person signs off and submits the replies."""
    _require(by, "peerreview.reply_finding", review)
    if not by.has_perm("peerreview.sign_off_replies", review):
        raise ValidationError(
            "Replies are signed off by your organisation's nominated responsible person. "
            "Save them, and ask them to submit."
        )
    _require_state(review, Review.State.RIGHT_OF_REPLY, doing="submit replies")
    unanswered = review.findings.filter(state=Finding.State.AGREED, reply__isnull=True).count()
    if unanswered:
        raise ValidationError(f"{unanswered} finding(s) still need a reply: accept or challenge each one.")
    with transaction.atomic():
        review.replies_submitted_at = timezone.now()
        _save(review, by=by, reason="submit_replies")
        _record(review, "submit_replies", by=by, review=review)
    emails.notify_coordinator(review, "replies_submitted")
    return review


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def request_extension(review: Review, *, by: User, working_days: int, reason: str) -> ExtensionRequest:
    _require(by, "peerreview.reply_finding", review)
    _require_state(review, Review.State.RIGHT_OF_REPLY, doing="ask for more time")
    if not (1 <= working_days <= 20) or not reason.strip():
        raise ValidationError("Ask for between 1 and 20 working days, and give a reason.")
    if review.reply_due and _today() > review.reply_due:
        raise ValidationError("Extensions must be asked for before the deadline.")
    with transaction.atomic():
        request = ExtensionRequest(review=review, requested_by=by, working_days=working_days, reason=reason.strip())
        _save(request, by=by, reason="request")
        _record(request, "request_extension", by=by, review=review, reason=reason, days=working_days)
    emails.notify_coordinator(review, "extension_requested")
    return request


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def decide_extension(request: ExtensionRequest, *, by: User, grant: bool, reason: str) -> ExtensionRequest:
    review = request.review
    _require(by, "peerreview.coordinate_review", review)
    if request.decision != ExtensionRequest.Decision.PENDING:
        raise ValidationError("This request has already been decided.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the decision."})
    with transaction.atomic():
        request.decision = ExtensionRequest.Decision.GRANTED if grant else ExtensionRequest.Decision.REFUSED
        request.decision_reason, request.decided_by = reason.strip(), by
        _save(request, by=by, reason="decide")
        if grant and review.reply_due:
            review.reply_due = add_working_days(review.reply_due, request.working_days)
            _save(review, by=by, reason="extend")
        _record(request, "decide_extension", by=by, review=review, reason=reason, granted=grant)
    emails.notify_contacts(review, "extension_decided", granted=grant, reason=reason)
    return request


def consider_replies(review: Review, *, by: User) -> Review:
    return transition(review, "consider_replies", by=by)


def decide_reply(reply: Reply, *, by: User, decision: str, reason: str, amended_text: str = "") -> Reply:
    """Decide a challenge (accepted, partly, rejected) with a reason; signed off by someone who was not
    on the panel. Accepted or partly accepted challenges amend the finding; rejected ones uphold it."""
    finding = reply.finding
    _require(by, "peerreview.decide_reply", finding)
    _require_open(finding.review, finding.review.considering_replies, doing="decide challenges")
    if not reply.is_challenge:
        raise ValidationError("Only challenges need a decision.")
    if decision not in Reply.Decision.values or not reason.strip():
        raise ValidationError({"reason": "Choose a decision and give the reason."})
    if decision != Reply.Decision.REJECTED and not amended_text.strip():
        raise ValidationError({"amended_text": "Give the finding's corrected wording."})
    with transaction.atomic():
        reply.decision, reply.decision_reason = decision, reason.strip()
        reply.decided_by, reply.decided_at = by, timezone.now()
        _save(reply, by=by, reason="decide")
        if decision == Reply.Decision.REJECTED:
            transition(finding, "uphold", by=by, reason=reason)
        else:
            transition(finding, "amend", by=by, reason=reason, text=amended_text.strip())
        _record(reply, "decide", by=by, review=finding.review, reason=reason, decision=decision)
    emails.notify_contacts(finding.review, "challenge_decided", decision=reply.get_decision_display(), reason=reason)
    return reply


def set_outcome(review: Review, *, by: User, outcome: str, rationale: str) -> Review:
    """The review panel's lead proposes the outcome; the quality panel confirms it (decide_outcome)."""
    _require(by, "peerreview.propose_outcome", review)
    _require_open(review, review.considering_replies, doing="set the outcome")
    if outcome not in Review.Outcome.values or not rationale.strip():
        raise ValidationError({"outcome": "Choose the outcome and explain it."})
    with transaction.atomic():
        review.outcome, review.outcome_rationale = outcome, rationale.strip()
        _save(review, by=by, reason="outcome")
        _record(review, "set_outcome", by=by, review=review, outcome=outcome)
    return review


def decide_outcome(review: Review, *, by: User) -> Review:
    return transition(review, "decide_outcome", by=by)


@transaction.atomic  # the notice is queued in the same transaction as the move (outbox)
def publish_review(review: Review, *, by: User, visibility: str, shared_with: Iterable[Organisation] = ()) -> Review:
    """Publish: finalise findings, freeze the final report snapshot, set who may read it, within
    what the organisation itself has consented to (give_consent)."""
    funders = list(shared_with)
    if visibility not in Review.Visibility.values:
        raise ValidationError({"visibility": "Choose who may read the report."})
    if visibility == Review.Visibility.FUNDERS and not funders:
        raise ValidationError({"shared_with": "Name the funders to share with."})
    if any(f.kind != Organisation.Kind.FUNDER for f in funders):
        raise ValidationError({"shared_with": "Only funders can be named here."})
    consented = current_consents(review)
    if visibility == Review.Visibility.PUBLIC and "publish" not in consented:
        raise ValidationError({"visibility": "The organisation has not consented to publication."})
    if visibility == Review.Visibility.FUNDERS:
        missing = [f.name for f in funders if f.pk not in consented.get("funders", set())]
        if missing:
            raise ValidationError(
                {"shared_with": f"The organisation has not consented to sharing with {', '.join(missing)}."}
            )
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        before = _fields(locked, ("visibility",))
        locked.visibility = visibility
        _save(locked, by=by, reason="visibility")
        readers = funders if visibility == Review.Visibility.FUNDERS else []
        locked.shared_with.set(readers)
        _record(
            locked,
            "choose_readers",
            by=by,
            review=locked,
            changes=changes(before, _fields(locked, ("visibility",))),
            shared_with=sorted(f.name for f in readers),
        )
        valid_until = years_after(_today(), VALID_YEARS) if locked.outcome != "not_yet_met" else None
        review = transition(locked, "publish", by=by, valid_until=valid_until)
        for finding in review.findings.filter(
            state__in=[Finding.State.AGREED, Finding.State.UPHELD, Finding.State.AMENDED]
        ):
            transition(finding, "finalise", by=by)
        _snapshot(review, by=by, kind="final")
    emails.notify_contacts(review, "published")
    return review


# --- the organisation's own rights: management response and consent --------------------------------


def save_management_response(review: Review, *, by: User, text: str) -> Review:
    """The organisation's management response (up to 500 words), published beside the report and
    never decided. Written from the draft's issue until publication freezes it."""
    _require(by, "peerreview.respond_review", review)
    _require_open(review, review.takes_management_response, doing="write the management response")
    text = text.strip()
    words = len(text.split())
    if words > RESPONSE_MAX_WORDS:
        raise ValidationError(
            {"text": f"A management response is up to {RESPONSE_MAX_WORDS} words; this has {words:,}."}
        )
    with transaction.atomic():
        old = review.management_response
        review.management_response, review.management_response_by = text, by if text else None
        _save(review, by=by, reason="management_response")
        _record(review, "management_response", by=by, review=review, old=old, new=text)
    return review


def current_consents(review: Review) -> dict[str, Any]:
    """What the organisation consents to now: {"publish": True?, "funders": {ids}}."""
    found: dict[str, Any] = {"funders": set()}
    for kind, funder_id in review.consents.filter(withdrawn_at__isnull=True).values_list("kind", "funder_id"):
        if kind == Consent.Kind.PUBLISH:
            found["publish"] = True
        else:
            found["funders"].add(funder_id)
    return found


def give_consent(review: Review, *, by: User, kind: str, funder: Organisation | None = None) -> Consent:
    """An organisation contact consents to publication, or to sharing with one named funder. On a
    published review the consent takes effect at once for funders; publication itself stays the
    coordinator's step. Side effects: Consent row, history, audit "give_consent"."""
    _require(by, "peerreview.consent_review", review)
    if kind not in Consent.Kind.values:
        raise ValidationError({"kind": "Choose what you consent to."})
    if kind == Consent.Kind.FUNDER and (funder is None or funder.kind != Organisation.Kind.FUNDER):
        raise ValidationError({"funder": "Choose the funder you consent to share with."})
    if kind == Consent.Kind.PUBLISH:
        funder = None
    if review.state in (Review.State.WITHDRAWN, Review.State.CANCELLED):
        raise ValidationError("The review has ended; there is nothing to share.")
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        if locked.consents.filter(kind=kind, funder=funder, withdrawn_at__isnull=True).exists():
            raise ValidationError("You have already given this consent.")
        consent = Consent(review=locked, kind=kind, funder=funder, given_by=by)
        _save(consent, by=by, reason="give")
        _record(consent, "give_consent", by=by, review=locked, kind=kind, funder=getattr(funder, "pk", None))
    return consent


def withdraw_consent(consent: Consent, *, by: User, reason: str = "") -> Consent:
    """An organisation contact withdraws a consent. If the report is already out, it stops being
    public, or stops being shared with that funder, at once. Side effects: history, audit
    "withdraw_consent" (and "visibility" with old and new values when readers change)."""
    review = consent.review
    _require(by, "peerreview.consent_review", review)
    if consent.withdrawn_at is not None:
        raise ValidationError("This consent has already been withdrawn.")
    with transaction.atomic():
        locked = Review.objects.select_for_update().get(pk=review.pk)
        consent.withdrawn_at, consent.withdrawn_by, consent.withdrawal_reason = timezone.now(), by, reason.strip()
        _save(consent, by=by, reason="withdraw")
        _record(consent, "withdraw_consent", by=by, review=locked, reason=reason, kind=consent.kind)
        before = (locked.visibility, sorted(locked.shared_with.values_list("pk", flat=True)))
        # A funder's consent always names its funder (`give_consent` refuses one without).
        if consent.kind == Consent.Kind.FUNDER and consent.funder_id is not None:
            locked.shared_with.remove(consent.funder_id)
        if consent.kind == Consent.Kind.PUBLISH and locked.visibility == Review.Visibility.PUBLIC:
            locked.visibility = Review.Visibility.PRIVATE
        if locked.visibility == Review.Visibility.FUNDERS and not locked.shared_with.exists():
            locked.visibility = Review.Visibility.PRIVATE
        after = (locked.visibility, sorted(locked.shared_with.values_list("pk", flat=True)))
        if after != before:
            _save(locked, by=by, reason="visibility")
            _record(locked, "visibility", by=by, review=locked, old=list(before), new=list(after))
    return consent


REFERRAL_FINDINGS_AGREED = [
    Review.State.QUALITY_ASSURANCE,
    Review.State.RIGHT_OF_REPLY,
    Review.State.REPLY_CONSIDERATION,
    Review.State.OUTCOME_DECIDED,
    Review.State.PUBLISHED,
    Review.State.APPEAL,
    Review.State.ACTION_PLANNING,
    Review.State.MONITORING,
    Review.State.PROGRESS_REVIEW,
    Review.State.REOPENED,
]
WITHHOLD_GROUNDS = {"safeguarding": "a safeguarding concern", "serious_incident": "a serious incident"}


def refer_to_lifeboat(
    review: Review, *, by: User, concerns: str, withhold_grounds: str = "", withhold_reason: str = ""
) -> Any:
    """The coordinator opens a lifeboat referral carrying this review's link and the concerns, once
    the panel's findings are agreed. The organisation is told by email, unless a recorded
    safeguarding or serious-incident reason says not to; that reason goes on the referral, where
    the lifeboat panel reads it. Side effects: referral (casework), audit "refer_to_lifeboat", mail."""
    _require(by, "peerreview.refer_review", review)
    if review.state not in REFERRAL_FINDINGS_AGREED or not review.has_agreed_findings():
        raise ValidationError(
            "A review refers an organisation to the lifeboat only once the panel's findings are agreed "
            "(from quality assurance on)."
        )
    withhold_grounds, withhold_reason = withhold_grounds.strip(), withhold_reason.strip()
    if withhold_grounds and withhold_grounds not in WITHHOLD_GROUNDS:
        raise ValidationError({"withhold_grounds": "Choose safeguarding or a serious incident."})
    if bool(withhold_grounds) != bool(withhold_reason):
        raise ValidationError(
            {"withhold_reason": "To refer without telling the organisation, choose the grounds and record the reason."}
        )
    text = concerns.strip()
    if withhold_grounds and text:
        text += (
            f"\n\nThe organisation has not been told of this referral because of "
            f"{WITHHOLD_GROUNDS[withhold_grounds]}: {withhold_reason}"
        )
    with transaction.atomic():
        referral = casework.refer_organisation(
            review.organisation,
            by=by,
            source="peer_review",
            concerns=text,
            source_reference=f"peerreview.review:{review.pk}",
            role=review.acting_role(by),
        )
        _record(
            review,
            "refer_to_lifeboat",
            by=by,
            review=review,
            reason=withhold_reason,
            referral=referral.pk,
            organisation_told=not withhold_grounds,
            withhold_grounds=withhold_grounds,
        )
    if not withhold_grounds:
        emails.notify_contacts(review, "lifeboat_referral")
    return referral


# --- appeals -------------------------------------------------------------------------------------------


def lodge_appeal(review: Review, *, by: User, grounds: str, statement: str) -> Appeal:
    """The organisation appeals on grounds of process or fact (up to 500 words) within 15 working
    days of publication, whatever state the review has moved on to. Side effects: the "appeal"
    transition (the statement is its reason), an Appeal row, audit "lodge_appeal", mail to the hub."""
    appeal = Appeal(review=review, grounds=grounds, statement=statement.strip(), lodged_by=by)
    appeal.full_clean(exclude=["review", "lodged_by"])
    with transaction.atomic():
        review = transition(review, "appeal", by=by, reason=appeal.statement, role="contact")
        appeal.review = review
        _save(appeal, by=by, reason="lodge")
        _record(appeal, "lodge_appeal", by=by, review=review, reason=appeal.statement, grounds=grounds)
    emails.notify_coordinator(review, "appeal_lodged")
    return appeal


def decide_appeal(review: Review, *, by: User, uphold: bool, reason: str) -> Review:
    """An appeals group member with no earlier part in the review dismisses the appeal (the review
    goes back where it was) or upholds it (the review reopens for a new report version). Side
    effects: the transition, the Appeal's decision, audit "decide_appeal", mail to the organisation."""
    appeal = review.appeals.filter(decision="").first()
    if appeal is None:
        raise ValidationError("There is no open appeal on this review.")
    with transaction.atomic():
        review = transition(review, "uphold_appeal" if uphold else "dismiss_appeal", by=by, reason=reason)
        appeal.decision = Appeal.Decision.UPHELD if uphold else Appeal.Decision.DISMISSED
        appeal.decision_reason, appeal.decided_by, appeal.decided_at = reason.strip(), by, timezone.now()
        _save(appeal, by=by, reason="decide")
        _record(appeal, "decide_appeal", by=by, review=review, reason=reason, decision=appeal.decision)
    emails.notify_contacts(review, "appeal_decided", decision=appeal.get_decision_display().lower(), reason=reason)
    return review


# --- action plan and follow-up -----------------------------------------------------------------------


def add_action(
    review: Review, *, by: User, text: str, owner: str, due_on: datetime.date, finding: Finding | None = None
) -> Action:
    _require(by, "peerreview.plan_actions", review)
    _require_open(review, review.takes_actions, doing="add actions")
    if finding is not None and finding.review_id != review.pk:
        raise ValidationError({"finding": "Choose a finding from this review."})
    if not text.strip() or not owner.strip():
        raise ValidationError("An action needs a description and an owner.")
    if due_on < _today():
        raise ValidationError({"due_on": "The due date must be in the future."})
    with transaction.atomic():
        action = Action(review=review, finding=finding, text=text.strip(), owner=owner.strip(), due_on=due_on)
        _save(action, by=by, reason="create")
        _record(action, "create", by=by, review=review)
    return action


def move_action(action: Action, name: str, *, by: User, reason: str = "", **kwargs: Any) -> Action:
    return transition(action, name, by=by, reason=reason, **kwargs)


def accept_action_plan(review: Review, *, by: User) -> Review:
    today = _today()
    month = today.month - 1 + PROGRESS_REVIEW_MONTHS
    due = today.replace(year=today.year + month // 12, month=month % 12 + 1, day=min(today.day, 28))
    return transition(review, "accept_action_plan", by=by, progress_review_due=due)


# --- one way to make each move ------------------------------------------------------------------------


def perform_review_move(review: Review, name: str, *, by: User, reason: str = "", **fields: Any) -> Review:
    """Make review move `name` the one way it is made, for the pages and the API alike: through its
    own operation where it has one (deadlines, snapshots, mail), otherwise through move_review.
    Publishing reads `visibility` and `shared_with` (funder organisations; the organisation's own
    recorded consent decides what is allowed); an appeal
    reads `grounds` (process or fact) and its statement (`statement`, or else the reason); other moves
    read only the reason (fields they do not read are ignored)."""
    operations = {
        "start_self_assessment": start_self_assessment,
        "start_desk_review": start_desk_review,
        "issue_draft": issue_draft,
        "consider_replies": consider_replies,
        "decide_outcome": decide_outcome,
        "accept_action_plan": accept_action_plan,
    }
    if name in operations:
        return operations[name](review, by=by)
    if name == "appeal":
        return lodge_appeal(
            review, by=by, grounds=fields.get("grounds", ""), statement=fields.get("statement", "") or reason
        ).review
    if name in ("dismiss_appeal", "uphold_appeal"):
        return decide_appeal(review, by=by, uphold=name == "uphold_appeal", reason=reason)
    if name == "publish":
        return publish_review(
            review,
            by=by,
            visibility=fields.get("visibility", Review.Visibility.PRIVATE),
            shared_with=fields.get("shared_with", ()),
        )
    return move_review(review, name, by=by, reason=reason)


def perform_assignment_move(
    assignment: Assignment, name: str, *, by: User, reason: str = "", declaration: bool = False
) -> Assignment:
    """Make assignment move `name` the one way it is made: accepting signs the declaration,
    declining keeps the reason, submitting tells the coordinator; the rest go through move_assignment."""
    if name == "accept":
        return accept_assignment(assignment, by=by, declaration=declaration)
    if name == "decline":
        return decline_assignment(assignment, by=by, reason=reason)
    if name == "submit":
        return submit_assignment(assignment, by=by)
    return move_assignment(assignment, name, by=by, reason=reason)
