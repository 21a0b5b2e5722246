"""Lifeboat operations: one function per thing a person does. State moves go through
core.workflow.transition; other writes save with the actor and append an audit event."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework.models import Case, CaseNote, HealthCheck, PathwayChange, Referral
from core import audit
from core.workflow import may, transition
from organisations.models import Organisation


def _require(user: Any, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied


def _save(obj: Any, *, by: Any, reason: str) -> None:
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def _record(obj: Any, action: str, *, by: Any, case: Case, reason: str = "", **payload: Any) -> None:
    audit.append(obj, action=action, actor=by, role=case.acting_role(by), reason=reason, payload=payload)


def _writable(case: Case, by: Any) -> None:
    _require(by, "casework.work_case", case)
    if case.is_read_only:
        raise ValidationError("The case is closed and read-only. Reopen it to make changes.")


def refer_organisation(
    organisation: Organisation, *, by: Any, source: str, concerns: str, source_reference: str = "", role: str = ""
) -> Referral:
    """Open a lifeboat referral. Side effects: history row, audit event "refer"."""
    if not concerns.strip():
        raise ValidationError({"concerns": "Describe the concerns that led to this referral."})
    if source not in Referral.Source.values:
        raise ValidationError({"source": "Choose where the referral came from."})
    with transaction.atomic():
        referral = Referral(
            organisation=organisation,
            source=source,
            concerns=concerns.strip(),
            source_reference=source_reference,
            referred_by=by,
        )
        _save(referral, by=by, reason="refer")
        audit.append(referral, action="refer", actor=by, role=role, payload={"source_reference": source_reference})
    return referral


def open_case(referral: Referral, *, by: Any, team: Iterable[Any] = ()) -> Case:
    """A caseworker takes a referral on as a case, which they own."""
    _require(by, "casework.add_case")
    if Case.objects.filter(referral=referral).exists():
        raise ValidationError("A case is already open for this referral.")
    with transaction.atomic():
        case = Case(referral=referral, organisation=referral.organisation, owner=by)
        _save(case, by=by, reason="create")
        case.team.set([p for p in team if p.pk != by.pk])
        _record(case, "create", by=by, case=case, referral=referral.pk)
    return case


def record_screening(
    case: Case,
    *,
    by: Any,
    identity_confirmed: bool,
    conflict_note: str,
    latest_accounts_on: datetime.date | None,
    accounts_note: str = "",
) -> Case:
    """Screening facts: identity checked, the caseworker's conflict declaration, the latest accounts."""
    _writable(case, by)
    if case.state not in (Case.State.REFERRED, Case.State.SCREENING):
        raise ValidationError("Screening is done before triage.")
    with transaction.atomic():
        case.identity_confirmed = identity_confirmed
        case.conflict_declared_at = timezone.now()
        case.conflict_note = conflict_note.strip() or "none declared"
        case.latest_accounts_on = latest_accounts_on
        case.accounts_note = accounts_note.strip()
        _save(case, by=by, reason="screening")
        _record(case, "screening", by=by, case=case, identity_confirmed=identity_confirmed)
    return case


def record_health_check(case: Case, *, by: Any, **fields: Any) -> HealthCheck:
    """Save the triage health check (triage only). Inputs are validated; nothing half-saved."""
    _writable(case, by)
    if case.state != Case.State.TRIAGE:
        raise ValidationError("The health check is recorded during triage.")
    flows = fields.get("weekly_net_cash") or []
    if len(flows) != 13:
        raise ValidationError({"weekly_net_cash": "Give 13 weeks of forecast net cash flow."})
    try:
        fields["weekly_net_cash"] = [str(Decimal(str(v))) for v in flows]
    except ArithmeticError:
        raise ValidationError({"weekly_net_cash": "Each week's figure must be a number."}) from None
    with transaction.atomic():
        check = HealthCheck.objects.filter(case=case).first() or HealthCheck(case=case)
        for name, value in fields.items():
            setattr(check, name, value)
        check.full_clean(exclude=["case"])
        _save(check, by=by, reason="health_check")
        risk, pathway, _ = check.assess()
        _record(check, "health_check", by=by, case=case, risk=risk, recommended=pathway)
    return check


def submit_triage(case: Case, *, by: Any) -> Case:
    """Send the triaged case to the panel; the triager is recorded (they may not decide it)."""
    return transition(case, "submit_triage", by=by, triager=by)


def choose_pathway(
    case: Case,
    *,
    by: Any,
    pathway: str,
    reason: str = "",
    board_consent_on: datetime.date | None,
    board_consent_note: str,
) -> Case:
    """The panel chooses the pathway (a reason is needed when it differs from the health check's
    recommendation) and records the board's consent."""
    _require(by, "casework.decide_case", case)
    if case.state != Case.State.AWAITING_DECISION:
        raise ValidationError("The pathway is chosen when the case awaits the panel's decision.")
    if pathway not in Case.Pathway.values:
        raise ValidationError({"pathway": "Choose a pathway."})
    recommended = case.health_check.assess()[1]
    if pathway != recommended and not reason.strip():
        raise ValidationError(
            {
                "reason": f"The health check recommends {Case.Pathway(recommended).label.lower()}: "
                "say why another pathway is better."
            }
        )
    if not board_consent_on or not board_consent_note.strip():
        raise ValidationError({"board_consent_note": "Record the board's consent (date and how it was given)."})
    with transaction.atomic():
        case.pathway = pathway
        case.board_consent_on, case.board_consent_note = board_consent_on, board_consent_note.strip()
        _save(case, by=by, reason="choose_pathway")
        PathwayChange.objects.create(
            case=case, to_pathway=pathway, reason=reason.strip() or "As recommended.", approved_by=by
        )
        _record(case, "choose_pathway", by=by, case=case, reason=reason, pathway=pathway, recommended=recommended)
    return case


def approve_case(case: Case, *, by: Any) -> Case:
    """The panel approves: the case becomes active on its pathway (never by the person who triaged)."""
    return transition(case, "approve", by=by, role="panel_member", decider=by)


def change_pathway(case: Case, *, by: Any, pathway: str, reason: str) -> Case:
    """Move an active case to another pathway, with a reason and the panel's approval; history kept."""
    _require(by, "casework.decide_case", case)
    if case.state != Case.State.ACTIVE:
        raise ValidationError("Only an active case changes pathway.")
    if pathway not in Case.Pathway.values or pathway == case.pathway:
        raise ValidationError({"pathway": "Choose a different pathway."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for changing pathway."})
    with transaction.atomic():
        PathwayChange.objects.create(
            case=case, from_pathway=case.pathway, to_pathway=pathway, reason=reason.strip(), approved_by=by
        )
        previous, case.pathway = case.pathway, pathway
        _save(case, by=by, reason="change_pathway")
        _record(case, "change_pathway", by=by, case=case, reason=reason, previous=previous, pathway=pathway)
    return case


def record_outcome(case: Case, *, by: Any, outcome: str, note: str) -> Case:
    _writable(case, by)
    if outcome not in Case.Outcome.values or not note.strip():
        raise ValidationError({"outcome": "Choose the outcome and describe it."})
    with transaction.atomic():
        case.outcome, case.outcome_note = outcome, note.strip()
        _save(case, by=by, reason="outcome")
        _record(case, "outcome", by=by, case=case, outcome=outcome)
    return case


def move_case(case: Case, name: str, *, by: Any, reason: str = "", **kwargs: Any) -> Case:
    """Any other move: decline and withdraw (with signposting), hold, escalate, close, reopen…"""
    move = getattr(Case, name)._django_fsm.get_transition(case.state)
    if move is not None and not may(move, case, by):
        raise PermissionDenied
    if name in ("decline", "withdraw") and not kwargs.get("signposting", "").strip():
        raise ValidationError({"signposting": "Say where else the organisation can get help."})
    return transition(case, name, by=by, reason=reason, **kwargs)


def add_note(case: Case, *, by: Any, text: str) -> CaseNote:
    _writable(case, by)
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    with transaction.atomic():
        note = CaseNote(case=case, author=by, text=text.strip())
        _save(note, by=by, reason="note")
        _record(note, "note", by=by, case=case)
    return note
