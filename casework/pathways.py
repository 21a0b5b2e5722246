"""Turnaround and interim-management operations: one function per thing a person does.

State moves go through core.workflow.transition (locked, permission-checked, guards named,
audited); other writes save with the actor as the history user and append an audit event, as in
casework.workflow. The pathway record itself is started by casework.workflow.start_pathway when
the panel approves the case or changes its pathway.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from casework import notices
from casework.models import (
    Candidate,
    Case,
    CaseDocument,
    Grant,
    Interim,
    InterimReview,
    Milestone,
    Task,
    Tranche,
    Turnaround,
)
from casework.workflow import _record, _writable, add_task, complete_task
from core.dates import refuse_future as _not_future
from core.words import date as words_date
from core.words import money
from core.workflow import changes, snapshot, transition
from core.workflow import require as _require
from core.workflow import save_with_history as _save
from organisations.models import User

TURNAROUND_FIELDS = {
    "causes_of_distress",
    "solvency_retested_on",
    "solvency_note",
    "board_approved_plan_on",
    "expert_help",
    "runway_weeks",
    "reserves_months",
    "reserves_policy_months",
    "going_concern_reaffirmed_on",
    "filings_up_to_date",
    "open_serious_incident",
    "serious_incident_reported_on",
    "exit_note",
}
INTERIM_FIELDS = {
    "need",
    "scope",
    "deliverables",
    "duration_months",
    "day_rate",
    "budget_source",
    "board_sponsor",
    "role_needs_dbs",
    "start_on",
    "reporting_line",
    "done_summary",
    "left_for_permanent",
    "in_progress",
    "permanent_ceo_status",
    "sponsor_signed_off_on",
}
# Fields fixed once the panel has agreed the brief: changing them needs the brief agreed again.
BRIEF_FIELDS = {"scope", "deliverables", "duration_months", "day_rate", "budget_source", "board_sponsor"}
MILESTONE_FIELDS = {"title", "measure", "owner", "owner_name", "due_on", "evidence_note", "evidence_on", "achieved_on"}
# What the panel approved in a milestone: changing any of these (or adding a milestone) after the
# plan was approved sends the plan back to the panel ("resubmit_plan"), on the record.
MILESTONE_PLAN_FIELDS = {"title", "measure", "owner", "owner_name", "due_on"}
# What the organisation's board sponsor signs off in a milestone: changing any of these afterwards
# voids the sign-off (on the record), as approval binds what was approved.
MILESTONE_SIGNED_FIELDS = ("evidence_note", "evidence_on", "achieved_on")
# Placement terms fixed once the interim is in post (the brief's terms are fixed once agreed).
CONTRACT_FIELDS = {"start_on", "reporting_line", "role_needs_dbs"}
CANDIDATE_FIELDS = {
    "name",
    "summary",
    "day_rate",
    "conflict_note",
    "conflict_checked_on",
    "references_checked_on",
    "dbs_checked_on",
}
PATHWAY_SLOTS = {
    Case.Pathway.TURNAROUND: [CaseDocument.Slot.CASH_FORECAST, CaseDocument.Slot.BOARD_RESOLUTION],
    Case.Pathway.INTERIM: [CaseDocument.Slot.AGREEMENT, CaseDocument.Slot.EXIT_REPORT],
}


def _set(obj: Any, fields: dict[str, Any], allowed: set[str]) -> dict[str, list[str]]:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    changed = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(obj, name) != value:
            changed[name] = [str(getattr(obj, name)), str(value)]
            setattr(obj, name, value)
    return changed


def _clean(obj: Any, exclude: list[str]) -> None:
    # full_clean assigns every field it cleans, and a protected FSM field refuses assignment.
    obj.full_clean(exclude=[*exclude, "state"], validate_unique=False)


# --- starting a pathway -------------------------------------------------------------------------
# --- evidence in the pathway's slots --------------------------------------------------------------
# --- turnaround ---------------------------------------------------------------------------------
def update_turnaround(turnaround: Turnaround, *, by: User, **fields: Any) -> Turnaround:
    """Record the diagnosis, the plan's approvals and the exit tests (only the fields given)."""
    _writable(turnaround.case, by)
    if turnaround.exit_reached:
        raise ValidationError("The turnaround has ended; its record is kept as it was.")
    causes = fields.get("causes_of_distress")
    if (
        turnaround.state != Turnaround.State.DIAGNOSIS
        and causes is not None
        and causes.strip() != (turnaround.causes_of_distress)
    ):
        raise ValidationError({"causes_of_distress": "The diagnosis is settled once the plan is drafted."})
    approved = turnaround.state not in (Turnaround.State.DIAGNOSIS, Turnaround.State.PLAN_DRAFTED)
    if (
        approved
        and "board_approved_plan_on" in fields
        and fields["board_approved_plan_on"] != (turnaround.board_approved_plan_on)
    ):
        raise ValidationError({"board_approved_plan_on": "The plan is approved; its approval date stays."})
    with transaction.atomic():
        before = snapshot(turnaround)
        _set(turnaround, fields, TURNAROUND_FIELDS)
        _clean(turnaround, exclude=["case"])
        changed = changes(before, snapshot(turnaround))
        _save(turnaround, by=by, reason="update")
        _record(turnaround, "update", by=by, case=turnaround.case, changes=changed)
    return turnaround


def move_turnaround(turnaround: Turnaround, name: str, *, by: User, reason: str = "") -> Turnaround:
    """Any turnaround move; approving the plan records the approver (the panel, never the team)."""
    extra: dict[str, Any] = {"approver": by} if name == "approve_plan" else {}
    return transition(turnaround, name, by=by, reason=reason, **extra)


def _milestone_checks(milestone: Milestone) -> None:
    if milestone.evidence_on and not milestone.evidence_note.strip():
        raise ValidationError({"evidence_note": "Describe the evidence as well as its date."})
    if milestone.achieved_on and not milestone.has_evidence:
        raise ValidationError({"achieved_on": "Record the evidence before marking the milestone achieved."})


def _plan_changed(turnaround: Turnaround, *, by: User, what: str) -> None:
    """An approved plan changed: refused once stabilised; before that, back to the panel."""
    turnaround = Turnaround.objects.get(pk=turnaround.pk)  # a milestone's cached plan may be stale
    if turnaround.state == Turnaround.State.STABILISED:
        raise ValidationError("The turnaround is stabilised: the approved plan's milestones are fixed.")
    if turnaround.is_running:
        transition(turnaround, "resubmit_plan", by=by, reason=f"The approved plan changed: {what}.")


def add_milestone(turnaround: Turnaround, *, by: User, **fields: Any) -> Milestone:
    """Add a milestone to the plan. After the panel approved the plan, this sends the plan back
    for approval (audited "resubmit_plan"); once stabilised, the plan is fixed."""
    _writable(turnaround.case, by)
    if turnaround.exit_reached:
        raise ValidationError("The turnaround has ended.")
    if not (fields.get("title") or "").strip():
        raise ValidationError({"title": "Give the milestone a title."})
    with transaction.atomic():
        milestone = Milestone(turnaround=turnaround)
        _set(milestone, fields, MILESTONE_FIELDS)
        _milestone_checks(milestone)
        _clean(milestone, exclude=["turnaround", "owner"])
        _save(milestone, by=by, reason="create")
        _record(milestone, "create", by=by, case=turnaround.case, turnaround=turnaround.pk)
        _plan_changed(turnaround, by=by, what=f"milestone “{milestone.title}” added")
    return milestone


def update_milestone(milestone: Milestone, *, by: User, **fields: Any) -> Milestone:
    """Change a milestone or record its evidence; evidence a paid tranche relied on stays.
    Changing what the panel approved (title, measure, owner, date) sends the plan back to the
    panel (audited "resubmit_plan"); once stabilised it is refused."""
    _writable(milestone.case, by)
    paid = milestone.tranches.filter(state=Tranche.State.PAID).exists()
    with transaction.atomic():
        before = snapshot(milestone)
        _set(milestone, fields, MILESTONE_FIELDS)
        after = snapshot(milestone)
        if paid and any(before[f] != after[f] for f in ("evidence_note", "evidence_on")):
            raise ValidationError({"evidence_note": "A payment was released on this evidence; it cannot change."})
        _milestone_checks(milestone)
        _clean(milestone, exclude=["turnaround", "owner"])
        reason = ""
        if milestone.is_signed_off and any(before[f] != after[f] for f in MILESTONE_SIGNED_FIELDS):
            # The sponsor signed off the evidence as it was: new evidence needs signing off again.
            milestone.signed_off_by, milestone.signed_off_at = None, None
            after = snapshot(milestone)
            reason = "The evidence changed after the board sponsor signed it off: it needs signing off again."
        changed = changes(before, after)
        plan_changed = sorted(f for f in changed if f.removesuffix("_id") in MILESTONE_PLAN_FIELDS)
        _save(milestone, by=by, reason="update")
        _record(milestone, "update", by=by, case=milestone.case, reason=reason, changes=changed)
        if plan_changed:
            _plan_changed(milestone.turnaround, by=by, what=f"milestone “{milestone.title}” changed")
    return milestone


def sign_off_milestone(milestone: Milestone, *, by: User) -> Milestone:
    """The organisation's board sponsor (its nominated responsible person) signs off a milestone's
    evidence themselves, never the case team on their behalf. Needs dated evidence, an open case
    and a turnaround still running; once signed off it stays until the evidence changes
    (`update_milestone` then voids it). Side effects: history row "sign_off", audit event
    "sign_off" with who and when."""
    _require(
        by,
        "casework.sign_off_milestone",
        milestone.case,
        refusal="Only the organisation's nominated responsible person (its board sponsor for the lifeboat) "
        "signs off a milestone, while the case is open.",
    )
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("turnaround__case").get(pk=milestone.pk)
        if milestone.is_signed_off:
            raise ValidationError("This milestone is already signed off.")
        if not milestone.has_evidence:
            raise ValidationError("The milestone has no dated evidence yet: there is nothing to sign off.")
        if milestone.turnaround.exit_reached:
            raise ValidationError("The turnaround has ended; its milestones are kept as they were.")
        before = snapshot(milestone)
        milestone.signed_off_by, milestone.signed_off_at = by, timezone.now()
        _save(milestone, by=by, reason="sign_off")
        _record(milestone, "sign_off", by=by, case=milestone.case, changes=changes(before, snapshot(milestone)))
    return milestone


def request_grant(turnaround: Turnaround, *, by: User, title: str, purpose: str, amount: Decimal) -> Grant:
    """Ask for a small restricted grant for the organisation; someone else approves it."""
    _writable(turnaround.case, by)
    if not turnaround.case_is_active() or not turnaround.is_running:
        raise ValidationError("Grants are requested once the turnaround plan is approved.")
    if not title.strip() or not purpose.strip():
        raise ValidationError({"purpose": "Give the grant a title and the purpose it is restricted to."})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "The amount must be more than £0."})
    ceiling = Decimal(settings.LIFEBOAT_GRANT_CEILING)
    if amount > ceiling:
        raise ValidationError(
            {"amount": f"A lifeboat grant is at most {money(ceiling)} (the grant ceiling): {money(amount)} is more."}
        )
    with transaction.atomic():
        grant = Grant(
            turnaround=turnaround, title=title.strip(), purpose=purpose.strip(), amount=amount, requested_by=by
        )
        _save(grant, by=by, reason="request")
        _record(grant, "request", by=by, case=turnaround.case, amount=str(amount))
        notices.tell_deciders(grant, by=by)
    return grant


def approve_grant(grant: Grant, *, by: User, declaration: str) -> Grant:
    """Approve a grant: never the requester; above the threshold a panel member off the case team.
    The approver's conflict-of-interest declaration is recorded with the approval."""
    if not by.has_perm("casework.approve_grant", grant):
        raise PermissionDenied
    if not declaration.strip():
        raise ValidationError({"declaration": "Declare any conflict of interest, or write 'none'."})
    return transition(grant, "approve", by=by, approver=by, declaration=declaration.strip())


def move_grant(grant: Grant, name: str, *, by: User, reason: str = "", clawback_amount: Decimal | None = None) -> Grant:
    """Refuse, withdraw (approved, nothing paid, with a reason), start monitoring, close or claw back
    a grant (tranches go through release_tranche). Each move is one audited transition."""
    if name in ("approve", "pay"):
        raise ValidationError("Use the approval form, or release a tranche.")
    extra: dict[str, Any] = {}
    if name == "claw_back":
        if clawback_amount is None or clawback_amount <= 0 or clawback_amount > grant.amount_paid:
            raise ValidationError(
                {"clawback_amount": f"Give the amount to recover, up to the {money(grant.amount_paid)} paid."}
            )
        extra["amount"] = clawback_amount
    return transition(grant, name, by=by, reason=reason, **extra)


def record_monitoring(grant: Grant, *, by: User, note: str) -> Grant:
    """Record how the grant was spent against its purpose."""
    _writable(grant.case, by)
    if not note.strip():
        raise ValidationError({"note": "Describe how the money was spent."})
    with transaction.atomic():
        old, grant.monitoring_note = grant.monitoring_note, note.strip()
        _save(grant, by=by, reason="monitoring")
        _record(grant, "monitoring", by=by, case=grant.case, changes={"monitoring_note": [old, grant.monitoring_note]})
    return grant


def add_tranche(grant: Grant, *, by: User, milestone: Milestone, amount: Decimal) -> Tranche:
    """Plan a payment against one of the plan's milestones; planned tranches never exceed the grant."""
    _writable(grant.case, by)
    if not grant.takes_tranches:
        raise ValidationError("Tranches are planned once the grant is approved.")
    if milestone.turnaround_id != grant.turnaround_id:
        raise ValidationError({"milestone": "Choose a milestone of this turnaround plan."})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "The amount must be more than £0."})
    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        planned = locked.tranches.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        if planned + amount > locked.amount:
            raise ValidationError(
                {"amount": f"The tranches would exceed the grant: £{locked.amount - planned} is left to plan."}
            )
        tranche = Tranche(grant=locked, milestone=milestone, amount=amount)
        _save(tranche, by=by, reason="create")
        _record(tranche, "create", by=by, case=grant.case, amount=str(amount), milestone=milestone.pk)
    return tranche


def release_tranche(tranche: Tranche, *, by: User, paid_on: datetime.date | None = None) -> Tranche:
    """Release a payment: only when its milestone has evidence and within the grant. The grant
    records each payment (state "paying")."""
    _not_future(paid_on=paid_on)
    with transaction.atomic():
        tranche = transition(
            tranche, "release", by=by, payer=by, paid_on=paid_on, reason=f"{money(tranche.amount)} paid."
        )
        grant = Grant.objects.get(pk=tranche.grant_id)
        transition(
            grant,
            "pay",
            by=by,
            reason=f"Tranche of {money(tranche.amount)} paid on {words_date(tranche.paid_on)}; "
            f"{money(grant.amount_paid)} of {money(grant.amount)} paid so far.",
        )
    return tranche


# --- interim management -------------------------------------------------------------------------
def update_interim(interim: Interim, *, by: User, **fields: Any) -> Interim:
    """Record the brief, the contract details and the exit report (only the fields given)."""
    _writable(interim.case, by)
    if interim.exit_reached:
        raise ValidationError("The placement has ended; its record is kept as it was.")
    in_post = interim.state in (*Interim.IN_POST_STATES, Interim.State.ENDED)
    fixed = [(BRIEF_FIELDS, interim.state != Interim.State.NEED_IDENTIFIED, "The brief is agreed; this is fixed.")]
    fixed.append((CONTRACT_FIELDS, in_post, "The interim is in post; the placement's terms are fixed."))
    for names, applies, message in fixed:
        for name in names & set(fields) if applies else ():
            value = fields[name].strip() if isinstance(fields[name], str) else fields[name]
            if value != getattr(interim, name):
                raise ValidationError({name: message})
    with transaction.atomic():
        was_ready = notices.ready(interim)
        before = snapshot(interim)
        _set(interim, fields, INTERIM_FIELDS)
        _clean(interim, exclude=["case", "chosen"])
        changed = changes(before, snapshot(interim))
        _save(interim, by=by, reason="update")
        _record(interim, "update", by=by, case=interim.case, changes=changed)
        notices.tell_deciders_when_ready(interim, was_ready=was_ready, by=by)
    return interim


REVIEW_TASK = "Placement review with the board sponsor"


def move_interim(interim: Interim, name: str, *, by: User, reason: str = "") -> Interim:
    """Any placement move; agreeing the brief records the panel member who agreed it. Starting
    (or continuing) the placement schedules the next review as a task for the case owner, so the
    task reminders warn before a review is missed."""
    extra: dict[str, Any] = {"approver": by} if name == "agree_brief" else {}
    with transaction.atomic():
        interim = transition(interim, name, by=by, reason=reason, **extra)
        if name in ("start_placement", "continue_placement"):
            _schedule_review(interim, by=by)
    return interim


def _schedule_review(interim: Interim, *, by: User) -> None:
    for task in Task.objects.filter(case=interim.case, title=REVIEW_TASK, done_at__isnull=True):
        complete_task(task, by=by)
    due = interim.next_review_due()
    if due:
        add_task(interim.case, by=by, title=REVIEW_TASK, due_on=due, assignee=interim.case.owner)


def add_candidate(interim: Interim, *, by: User, **fields: Any) -> Candidate:
    """Record a candidate considered for the placement."""
    _writable(interim.case, by)
    if not interim.takes_candidates:
        raise ValidationError("Candidates are considered once the brief is agreed, while sourcing.")
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": "Give the candidate's name."})
    with transaction.atomic():
        candidate = Candidate(interim=interim)
        _set(candidate, fields, CANDIDATE_FIELDS)
        _clean(candidate, exclude=["interim"])
        _save(candidate, by=by, reason="create")
        _record(candidate, "create", by=by, case=interim.case, interim=interim.pk)
    return candidate


def update_candidate(candidate: Candidate, *, by: User, **fields: Any) -> Candidate:
    """Record a candidate's checks (conflict, references, DBS)."""
    _writable(candidate.case, by)
    if not candidate.interim.takes_candidates:
        raise ValidationError("The match is made; the candidates' records are kept as they were.")
    with transaction.atomic():
        before = snapshot(candidate)
        _set(candidate, fields, CANDIDATE_FIELDS)
        _clean(candidate, exclude=["interim"])
        changed = changes(before, snapshot(candidate))
        _save(candidate, by=by, reason="update")
        _record(candidate, "update", by=by, case=candidate.case, changes=changed)
    return candidate


def choose_candidate(interim: Interim, *, by: User, candidate: Candidate) -> Interim:
    """Choose the candidate to match (while sourcing)."""
    _writable(interim.case, by)
    if not interim.is_sourcing:
        raise ValidationError("A candidate is chosen while sourcing.")
    if candidate.interim_id != interim.pk:
        raise ValidationError({"candidate": "Choose one of this placement's candidates."})
    with transaction.atomic():
        interim.chosen = candidate
        _save(interim, by=by, reason="choose")
        _record(interim, "choose", by=by, case=interim.case, candidate=candidate.pk)
    return interim


def record_interim_review(
    interim: Interim, *, by: User, held_on: datetime.date, continue_placement: bool, note: str
) -> InterimReview:
    """Record a placement review and its continuation decision (during a review period)."""
    _writable(interim.case, by)
    if not interim.under_review:
        raise ValidationError("Start a review first.")
    if not note.strip():
        raise ValidationError({"note": "Say how the placement is going."})
    _not_future(held_on=held_on)
    if interim.start_on and held_on < interim.start_on:
        raise ValidationError({"held_on": "The review cannot be before the interim started."})
    with transaction.atomic():
        review = InterimReview(
            interim=interim, held_on=held_on, continue_placement=continue_placement, note=note.strip(), recorded_by=by
        )
        _save(review, by=by, reason="review")
        _record(review, "review", by=by, case=interim.case, continue_placement=continue_placement)
    return review


def may_work(case: Case, by: User) -> bool:
    """Whether `by` may edit this case's pathway records now (for pages deciding what to show)."""
    try:
        _writable(case, by)
    except (PermissionDenied, ValidationError):
        return False
    return True


__all__ = [
    "add_candidate",
    "add_milestone",
    "add_tranche",
    "approve_grant",
    "choose_candidate",
    "may_work",
    "move_grant",
    "move_interim",
    "move_turnaround",
    "record_interim_review",
    "record_monitoring",
    "release_tranche",
    "request_grant",
    "sign_off_milestone",
    "update_candidate",
    "update_interim",
    "update_milestone",
    "update_turnaround",
]
