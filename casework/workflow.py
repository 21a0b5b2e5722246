"""Lifeboat operations: one function per thing a person does. State moves go through
core.workflow.transition; other writes save with the actor and append an audit event."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from casework import notices
from casework.models import (
    Case,
    CaseDocument,
    CaseNote,
    Closure,
    HealthCheck,
    PathwayChange,
    Referral,
    RegisterItem,
    Task,
)
from casework.models.pathway import PathwayRecord
from core import audit, uploads
from core.dates import refuse_future as _not_future
from core.workflow import TransitionNotAllowed, changes, input_names, may, snapshot, transition
from core.workflow import require as _require
from core.workflow import save_with_history as _save
from organisations import workflow as organisations_workflow
from organisations.models import Organisation, User


def _record(obj: Any, action: str, *, by: User, case: Case, reason: str = "", **payload: Any) -> None:
    audit.append(obj, action=action, actor=by, role=case.acting_role(by), reason=reason, payload=payload)


def _writable(case: Case, by: User) -> None:
    _require(by, "casework.work_case", case)
    if case.is_read_only:
        raise ValidationError("The case is closed and read-only. Reopen it to make changes.")


def refer_organisation(
    organisation: Organisation,
    *,
    by: User,
    source: str,
    concerns: str,
    source_reference: str = "",
    role: str = "",
    referrer_contact: str = "",
    received_on: datetime.date | None = None,
    urgency: str = Referral.Urgency.ROUTINE,
    organisation_knows: bool | None = None,
    not_duplicate: bool | None = None,
) -> Referral:
    """Open a lifeboat referral: who referred and how to reach them, the day it reached us (today
    or earlier), how urgent it is and whether the organisation knows. A person recording one for an
    organisation that already has a referral waiting or an open case must confirm it is a new
    concern (`not_duplicate=True`); callers that pass None (a peer review's one-step referral) are
    not asked. Side effects: history row, audit event "refer"."""
    received_on = received_on or timezone.localdate()
    if not_duplicate is False:
        already = open_matters_for(organisation)
        if already:
            raise ValidationError(
                {
                    "not_duplicate": f"{organisation.name} may already be with the lifeboat: {'; '.join(already)}. "
                    "Confirm this is a new concern, or dismiss the repeat instead of recording it twice."
                }
            )
    if not concerns.strip():
        raise ValidationError({"concerns": "Describe the concerns that led to this referral."})
    if source not in Referral.Source.values:
        raise ValidationError({"source": "Choose where the referral came from."})
    if urgency not in Referral.Urgency.values:
        raise ValidationError({"urgency": "Choose how urgent the referral is."})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date received must be today or in the past."})
    with transaction.atomic():
        referral = Referral(
            organisation=organisation,
            source=source,
            concerns=concerns.strip(),
            source_reference=source_reference,
            referred_by=by,
            referrer_contact=referrer_contact.strip(),
            received_on=received_on,
            urgency=urgency,
            organisation_knows=organisation_knows,
        )
        _save(referral, by=by, reason="refer")
        audit.append(
            referral,
            action="refer",
            actor=by,
            role=role,
            payload={
                "source_reference": source_reference,
                "received_on": str(received_on),
                "urgency": urgency,
                "organisation_knows": organisation_knows,
                "not_duplicate": not_duplicate,
            },
        )
        notices.new_referral(referral)
    return referral


def open_matters_for(organisation: Organisation, *, exclude: Referral | None = None) -> list[str]:
    """What the lifeboat already has open for `organisation`, in words: referrals waiting for a case
    and open cases (the duplicate warning on the referral form). Only ever shown to people who may
    see every referral and case (casework.add_case)."""
    found = []
    waiting = Referral.objects.filter(organisation=organisation, case__isnull=True, dismissed_at__isnull=True)
    if exclude is not None:
        waiting = waiting.exclude(pk=exclude.pk)
    for referral in waiting.order_by("received_on"):
        found.append(f"a referral received on {referral.received_on:%-d %B %Y} is waiting for a case")
    for case in Case.objects.filter(organisation=organisation, state__in=Case.OPEN).order_by("created_at"):
        found.append(
            f"a case opened on {timezone.localtime(case.created_at):%-d %B %Y} is {case.get_state_display().lower()}"
        )
    return found


def dismiss_referral(referral: Referral, *, by: User, reason: str) -> Referral:
    """Dismiss a referral no case will be opened for (a duplicate, or not for the lifeboat), with
    the reason on the record. Side effects: history row "dismiss", audit event "dismiss"."""
    _require(by, "casework.add_case")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral is dismissed (for example, which referral it repeats)."})
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.dismissed_at is not None:
            raise ValidationError("This referral has already been dismissed.")
        if Case.objects.filter(referral=referral).exists():
            raise ValidationError("A case is open for this referral: it can no longer be dismissed.")
        referral.dismissed_at, referral.dismissed_by = timezone.now(), by
        referral.dismissal_reason = reason.strip()
        _save(referral, by=by, reason="dismiss")
        audit.append(
            referral,
            action="dismiss",
            actor=by,
            role="caseworker",
            reason=reason.strip(),
            payload={"changes": {"dismissed_at": [None, referral.dismissed_at.isoformat()]}},
        )
    return referral


def open_case(referral: Referral, *, by: User, team: Iterable[Any] = ()) -> Case:
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
    by: User,
    identity_confirmed: bool,
    conflict_note: str,
    latest_accounts_on: datetime.date | None,
    accounts_note: str = "",
) -> Case:
    """Screening facts: identity checked, the caseworker's conflict declaration, the latest accounts."""
    _writable(case, by)
    if not case.takes_screening:
        raise ValidationError("Screening is done before triage.")
    _not_future(latest_accounts_on=latest_accounts_on)
    with transaction.atomic():
        case.identity_confirmed = identity_confirmed
        case.conflict_declared_at = timezone.now()
        case.conflict_note = conflict_note.strip() or "none declared"
        case.latest_accounts_on = latest_accounts_on
        case.accounts_note = accounts_note.strip()
        _save(case, by=by, reason="screening")
        _record(case, "screening", by=by, case=case, identity_confirmed=identity_confirmed)
    return case


def record_health_check(case: Case, *, by: User, **fields: Any) -> HealthCheck:
    """Save the triage health check (triage only). Inputs are validated; nothing half-saved."""
    _writable(case, by)
    if not case.takes_health_check:
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


def submit_triage(case: Case, *, by: User) -> Case:
    """Send the triaged case to the panel; the triager is recorded (they may not decide it)."""
    return transition(case, "submit_triage", by=by, triager=by)


def choose_pathway(
    case: Case,
    *,
    by: User,
    pathway: str,
    reason: str = "",
    board_consent_on: datetime.date | None,
    board_consent_note: str,
) -> Case:
    """The panel chooses the pathway (a reason is needed when it differs from the health check's
    recommendation) and records the board's consent."""
    _require(by, "casework.decide_case", case)
    if not case.awaits_pathway_choice:
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
    _not_future(board_consent_on=board_consent_on)
    with transaction.atomic():
        case.pathway = pathway
        case.board_consent_on, case.board_consent_note = board_consent_on, board_consent_note.strip()
        _save(case, by=by, reason="choose_pathway")
        PathwayChange.objects.create(
            case=case, to_pathway=pathway, reason=reason.strip() or "As recommended.", approved_by=by
        )
        _record(case, "choose_pathway", by=by, case=case, reason=reason, pathway=pathway, recommended=recommended)
    return case


def approve_case(case: Case, *, by: User) -> Case:
    """The panel approves: the case becomes active on its pathway (never by the person who triaged),
    and the pathway's own record starts."""
    with transaction.atomic():
        case = transition(case, "approve", by=by, role="panel_member", decider=by)
        start_pathway(case, by=by)
    return case


def start_pathway(case: Case, *, by: User) -> Any:
    """Create the record of the case's current pathway if it has none yet (audited "start").
    Records of earlier pathways stay as they were, so their history is kept."""
    record = case.pathway_record
    if record is not None or not case.pathway:
        return record
    model = cast("type[PathwayRecord]", Case._meta.get_field(case.pathway).related_model)
    record = model(case=case)
    _save(record, by=by, reason="start")
    _record(record, "start", by=by, case=case)
    return record


def change_pathway(case: Case, *, by: User, pathway: str, reason: str) -> Case:
    """Move an active case to another pathway, with a reason and the panel's approval; history kept."""
    _require(by, "casework.decide_case", case)
    if not case.is_active:
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
        start_pathway(case, by=by)
    return case


def record_outcome(case: Case, *, by: User, outcome: str, note: str, unresolved_note: str = "") -> Case:
    """Record how the case ended. The outcome must fit the pathway; where the organisation stopped
    working with us (or went insolvent) while the pathway still has open obligations, what is left
    and why is recorded too, for the panel to approve when it closes the case. Side effects:
    history row, audit event "outcome" with the old and new values."""
    _writable(case, by)
    if case.state == Case.State.CLOSING_REVIEW:
        # The panel closes on the outcome it was asked to (a disengaged one lets the pathway end early).
        raise ValidationError(
            {
                "outcome": "The panel is reviewing the proposed closure on this outcome; "
                "it sends the case back if the outcome must change."
            }
        )
    if outcome not in Case.Outcome.values or not note.strip():
        raise ValidationError({"outcome": "Choose the outcome and describe it."})
    fitting = Case.OUTCOMES_FOR.get(case.pathway, ())
    if outcome not in fitting:
        pathway = Case.Pathway(case.pathway).label.lower() if case.pathway else "no pathway yet"
        allowed = "; ".join(f"“{Case.Outcome(o).label}”" for o in fitting) or "none"
        raise ValidationError(
            {"outcome": f"“{Case.Outcome(outcome).label}” does not fit a case on {pathway}. It can be: {allowed}."}
        )
    unresolved_note = unresolved_note.strip() if outcome in Case.LEAVES_UNRESOLVED else ""
    open_items = case.unresolved_obligations()
    if outcome in Case.LEAVES_UNRESOLVED and open_items and not unresolved_note:
        raise ValidationError(
            {
                "unresolved_note": "Say what is left unresolved and why; the panel approves it when closing. "
                "Still open: " + "; ".join(open_items) + "."
            }
        )
    with transaction.atomic():
        before = snapshot(case)
        case.outcome, case.outcome_note, case.unresolved_note = outcome, note.strip(), unresolved_note
        _save(case, by=by, reason="outcome")
        _record(case, "outcome", by=by, case=case, outcome=outcome, changes=changes(before, snapshot(case)))
    return case


def move_case(case: Case, name: str, *, by: User, reason: str = "", **kwargs: Any) -> Case:
    """Any other move: decline and withdraw (with signposting), hold, escalate, close, reopen…"""
    move = getattr(Case, name)._django_fsm.get_transition(case.state)
    if move is not None and not may(move, case, by):
        raise PermissionDenied
    if name in ("decline", "withdraw") and not kwargs.get("signposting", "").strip():
        raise ValidationError({"signposting": "Say where else the organisation can get help."})
    if name == "close_leaving_unresolved":
        # What was left open is written onto the case as it stood when the panel approved it.
        kwargs["unresolved"] = "\n".join(case.unresolved_obligations())
    with transaction.atomic():
        case = transition(case, name, by=by, reason=reason, **kwargs)
        close_open_tasks(case, by=by)  # closed, declined, withdrawn: its tasks close with it
    return case


def perform(case: Case, name: str, *, by: User, reason: str = "", **fields: Any) -> Case:
    """Make case move `name` the one way it is made, for the pages and the API alike: through its
    own operation where it has one (sending to the panel records the triager; approval starts the
    pathway's record), otherwise through move_case with the fields that move reads (its inputs form,
    `core.workflow.input_names`; others are ignored; an unknown escalation kind is left blank)."""
    if name == "submit_triage":
        return submit_triage(case, by=by)
    if name == "approve":
        return approve_case(case, by=by)
    extra = {key: fields[key] for key in input_names(case, name) if key in fields}
    if name == "escalate" and extra.get("kind", "") not in Case.Escalation.values:
        extra["kind"] = ""
    return move_case(case, name, by=by, reason=reason, **extra)


def add_note(
    case: Case,
    *,
    by: User,
    text: str,
    item: RegisterItem | None = None,
    kind: str = CaseNote.Kind.OTHER,
    contacted_on: datetime.date | None = None,
) -> CaseNote:
    """A case note of a kind (call, meeting, email, visit, other) with the day of the contact it
    records (today or earlier; today when not given), optionally tied to one register item."""
    _writable(case, by)
    contacted_on = contacted_on or timezone.localdate()
    if not text.strip():
        raise ValidationError({"text": "Write the note."})
    if kind not in CaseNote.Kind.values:
        raise ValidationError({"kind": "Choose what kind of contact the note records."})
    if contacted_on > timezone.localdate():
        raise ValidationError({"contacted_on": "The date of contact must be today or in the past."})
    if item is not None and item.case.pk != case.pk:
        raise ValidationError({"item": "That register item belongs to another case."})
    with transaction.atomic():
        note = CaseNote(case=case, author=by, text=text.strip(), item=item, kind=kind, contacted_on=contacted_on)
        _save(note, by=by, reason="note")
        _record(
            note, "note", by=by, case=case, item=item.pk if item else None, kind=kind, contacted_on=str(contacted_on)
        )
    return note


# --- Orderly closure -------------------------------------------------------------------------------
CLOSURE_FACTS = {
    # which facts may be edited at which closure stage (the decision facts are fixed once decided)
    "decision": (
        "options_note",
        "balance_sheet_solvent",
        "cash_flow_solvent",
        "solvency_tested_on",
        "dissolution_clause",
        "trustee_resolution_on",
        "members_resolution_required",
        "members_resolution_on",
    ),
    "winding_down": (
        "staff_timeline",
        "collective_consultation",
        "redundancies_proposed",
        "redundancies_proposed_on",
        "hr1_sent_on",
        "creditors_declaration_on",
        "safeguarding_handover",
        "data_disposition",
        "records_custodian",
    ),
    # a solvency re-test at any stage after the decision (a failure opens only the insolvent route)
    "solvency": ("balance_sheet_solvent", "cash_flow_solvent", "solvency_tested_on"),
    "insolvency": (
        "insolvency_procedure",
        "insolvency_practitioner",
        "practitioner_licence",
        "practitioner_appointed_on",
        "trustees_exposure",
        "advice_taken_on",
    ),
    "filing": (
        "last_trading_on",
        "final_accounts_approved_on",
        "dissolution_reference",
        "dissolution_filed_on",
        "no_other_activities",
        "no_pending_proceedings",
        "parties_notified_on",
        "gazette_notice_on",
        "dissolved_on",
    ),
}
CLOSURE_STAGES_FOR = {
    "decision": (Closure.State.DECISION_PENDING,),
    "winding_down": (Closure.State.DECISION_MADE, Closure.State.PLANNING, Closure.State.WINDING_DOWN),
    "filing": (Closure.State.WINDING_DOWN, Closure.State.FINAL_ACCOUNTS, Closure.State.REGULATOR_FILING),
    "solvency": tuple(s for s in Closure.BEFORE_DISSOLUTION if s != Closure.State.DECISION_PENDING),
    "insolvency": (Closure.State.INSOLVENT_ROUTE,),
}


def closure_part_open(closure: Closure, part: str) -> bool:
    """Whether the closure's facts of `part` may be recorded at its current stage."""
    return closure.state in CLOSURE_STAGES_FOR[part]


def closure_parts_open(closure: Closure) -> dict[str, bool]:
    """Each part's `closure_part_open`, for the closure page's links."""
    return {part: closure_part_open(closure, part) for part in CLOSURE_STAGES_FOR}


# Moves that need every register item resolved: refused with the outstanding counts.
NEEDS_RESOLVED_REGISTERS = {"finish_winding_down", "dissolve"}


def _closure_writable(closure: Closure, by: User, perm: str = "casework.work_case") -> None:
    _require(by, perm, closure.case)
    if closure.case.is_read_only:
        raise ValidationError("The case is closed and read-only. Reopen it to make changes.")
    if not closure.case_is_active():
        raise ValidationError("The case must be active on the closure pathway to change it.")


# The reason an edit of an already recorded closure date carries, so the panel sees it.
REDATED = "Changed after it was first recorded: "


def update_closure(closure: Closure, *, by: User, part: str, **fields: Any) -> Closure:
    """Record the closure's facts for one part (decision, winding down, filing) at the stages it
    belongs to. Side effects: history row, audit event "update_closure" listing changed fields."""
    _closure_writable(closure, by)
    allowed = CLOSURE_FACTS[part]
    if not closure_part_open(closure, part):
        raise ValidationError("These details cannot be changed at this stage of the closure.")
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown closure details: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        was_ready = notices.ready(closure)
        before = snapshot(closure)
        for name, value in fields.items():
            setattr(closure, name, value.strip() if isinstance(value, str) else value)
        closure.full_clean(exclude=["case", "state"])
        changed = changes(before, snapshot(closure))
        # A date that legal timing reads (last trading, filing, resolutions) changed after it was first
        # recorded: say so in the reason, so the timeline and the approver see it, not only the payload.
        redated = [k for k, (old, _new) in changed.items() if k.endswith("_on") and old is not None]
        labels = ", ".join(str(getattr(Closure._meta.get_field(k), "verbose_name", k)) for k in redated)
        reason = f"{REDATED}{labels}." if redated else ""
        _save(closure, by=by, reason="update_closure")
        _record(closure, "update_closure", by=by, case=closure.case, reason=reason, changes=changed)
        if part == "winding_down":
            _follow_employment_clocks(closure, by=by)
        notices.tell_deciders_when_ready(closure, was_ready=was_ready, by=by)
    return closure


CLOCK_TASKS = {
    "consultation": "Collective consultation clock: no dismissal may take effect before this date (TULRCA s.188)",
    "hr1": "Send form HR1 to the Redundancy Payments Service (TULRCA s.193)",
}


def _follow_employment_clocks(closure: Closure, *, by: User) -> None:
    """Keep one open task per employment clock, due on the clock's date (moved when the dates move)."""
    wanted = {}
    if closure.collective_rules() is not None:
        earliest = closure.earliest_dismissal_on()
        if earliest:
            wanted["consultation"] = earliest
        if closure.hr1_sent_on is None:
            hr1_due = closure.hr1_due_by() or closure.redundancies_proposed_on
            if hr1_due:
                wanted["hr1"] = hr1_due
    assignee = closure.case.owner
    if assignee is None:
        return
    for key, due_on in wanted.items():
        task = closure.case.tasks.filter(title=CLOCK_TASKS[key], done_at__isnull=True).first()
        if task is None:
            add_task(closure.case, by=by, title=CLOCK_TASKS[key], due_on=due_on, assignee=assignee)
        elif task.due_on != due_on:
            old, task.due_on = task.due_on, due_on
            _save(task, by=by, reason="follow_clock")
            _record(task, "follow_clock", by=by, case=closure.case, due_on=[str(old), str(due_on)])


def outstanding_message(closure: Closure) -> str:
    counts = closure.outstanding_counts()
    total = sum(n for _, n in counts)
    listed = ", ".join(f"{label.lower()} {n}" for label, n in counts)
    items = "register item" if total == 1 else "register items"
    return f"{total} {items} still need a completed destination or an approved reason ({listed})."


def move_closure(closure: Closure, name: str, *, by: User, reason: str = "", **kwargs: Any) -> Closure:
    """A closure move. Where every register item must be resolved, the refusal lists what is
    outstanding, counted by register. Dissolution records who approved it (never the case team)
    and marks the organisation dissolved in the directory (history row, audit event "update")."""
    move = getattr(Closure, name)._django_fsm.get_transition(closure.state)
    if move is not None and not may(move, closure, by):
        raise PermissionDenied
    if name in NEEDS_RESOLVED_REGISTERS and closure.outstanding():
        raise TransitionNotAllowed(outstanding_message(closure))
    if name == "go_insolvent" and not kwargs.get("practitioner", "").strip():
        raise ValidationError({"practitioner": "Name the insolvency practitioner."})
    if name != "dissolve":
        return transition(closure, name, by=by, reason=reason, **kwargs)
    kwargs["approver"] = by
    with transaction.atomic():
        closure = transition(closure, name, by=by, reason=reason, **kwargs)
        # Dissolution confirmed: the directory shows the organisation as dissolved (issue #16).
        organisation = closure.case.organisation
        if organisation.status != Organisation.Status.DISSOLVED:
            organisations_workflow.update_organisation(organisation, by=by, status=Organisation.Status.DISSOLVED)
    return closure


ITEM_FIELDS = (
    "register",
    "kind",
    "name",
    "detail",
    "value",
    "owner",
    "due_on",
    "outcome",
    "destination",
    "destination_note",
    "go_live_on",
    "completed_on",
    "reference",
    "funder",
    "funder_consent",
    "regulator_consent",
    "release_resolution_on",
    "eli_sent_on",
    "transfer_on",
    "eli_late_reason",
    "notice_on",
    "leaving_on",
)


def _item_editable(item: RegisterItem, by: User, perm: str = "casework.work_case") -> None:
    _closure_writable(item.closure, by, perm)
    if not item.closure.takes_register_items:
        raise ValidationError("Register items are listed and settled between the decision and the final accounts.")
    if item.pk and not item.is_changeable:
        raise ValidationError("This item is settled; it can no longer be changed.")


def save_item(closure: Closure, *, by: User, item: RegisterItem | None = None, **fields: Any) -> RegisterItem:
    """Add a register item or change one that is not settled yet. Impossible dates (leaving before
    notice, completion before it takes effect or in the future) are refused at once; a real date
    short of a legal period (late employee liability information) is recorded and flagged
    (`RegisterItem.legal_flags`), never refused; other gaps are listed on the item until it is
    agreed. Side effects, on the record (the audit event's `changes` hold old and new values):
    - changing the recipient or the funder voids the compatibility review and the funder's consent
      (they were given for the old pair);
    - whoever sets where it goes is recorded (they never review the recipient's purposes);
    - changing where an agreed item goes sends it back to proposed ("revise")."""
    item = item or RegisterItem(closure=closure)
    _item_editable(item, by)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown register details: {', '.join(sorted(unknown))}.")
    creating = item.pk is None
    before = snapshot(item)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        if item.register not in RegisterItem.Register.values:
            raise ValidationError({"register": "Choose a register."})
        if item.kind not in RegisterItem.KINDS[item.register]:
            raise ValidationError({"kind": f"Choose a kind of {item.get_register_display().lower()}."})
        if item.outcome and item.outcome not in RegisterItem.OUTCOMES[item.register]:
            raise ValidationError({"outcome": "That destination does not apply to this register."})
        problems = item.date_problems()
        if problems:
            raise ValidationError(problems)
        voided = item.void_pair_approvals(before)
        moved = [f for f in RegisterItem.DESTINATION_FIELDS if before.get(f) != getattr(item, f)]
        if moved and (item.destination_id or item.outcome):
            item.destination_set_by = by
        item.full_clean(exclude=["closure", "state"])
        _save(item, by=by, reason="create" if creating else "update")
        reason = ("Void for the new recipient or funder: " + " and ".join(voided) + ".") if voided else ""
        _record(
            item,
            "create" if creating else "update",
            by=by,
            case=closure.case,
            reason=reason,
            changes=changes(before, snapshot(item), ignore={"updated_at", "created_at", "id"}),
        )
        if not creating and item.state == RegisterItem.State.AGREED and moved:
            item = transition(item, "revise", by=by, reason="Where it goes changed after it was agreed.")
    return item


# Moves an operation makes, never a button: an agreed item goes back to proposed when it changes.
ITEM_INTERNAL_MOVES = {"revise"}


def move_item(item: RegisterItem, name: str, *, by: User, reason: str = "") -> RegisterItem:
    """Agree, complete, or ask for / approve / refuse "not applicable" (never approved by whoever asked)."""
    if name in ITEM_INTERNAL_MOVES:
        raise ValidationError("An agreed item goes back to proposed when where it goes is changed.")
    kwargs: dict[str, Any] = {}
    if name == "ask_not_applicable":
        kwargs = {"requester": by, "why": reason.strip()}
    if name == "approve_not_applicable":
        kwargs = {"approver": by}
    return transition(item, name, by=by, reason=reason, **kwargs)


def mark_compatible(item: RegisterItem, *, by: User, note: str) -> RegisterItem:
    """A named reviewer records that the recipient's purposes are compatible with a restricted
    fund's (C2): someone on the case team or the panel. Needs a recipient and a note."""
    _item_editable(item, by, perm="casework.review_purposes")
    if item.kind not in RegisterItem.RESTRICTED_KINDS:
        raise ValidationError("Only restricted funds and permanent endowment need this review.")
    if not item.destination_id:
        raise ValidationError("Choose the recipient before reviewing its purposes.")
    if item.destination_set_by_id == by.pk:
        raise ValidationError(
            "You proposed this recipient, so someone else must review whether its purposes are compatible."
        )
    if not note.strip():
        raise ValidationError({"note": "Say why the recipient's purposes are compatible with the fund's."})
    with transaction.atomic():
        before = snapshot(item)
        item.compatibility_reviewed_by, item.compatibility_note = by, note.strip()
        _save(item, by=by, reason="mark_compatible")
        _record(
            item,
            "mark_compatible",
            by=by,
            case=item.case,
            recipient=item.destination_id,
            funder=item.funder_id,
            changes=changes(before, snapshot(item)),
        )
    return item


# --- Tasks and documents ---------------------------------------------------------------------------
def add_task(
    case: Case, *, by: User, title: str, due_on: datetime.date, assignee: Any, item: RegisterItem | None = None
) -> Task:
    """A task for someone on the case (owner or team), optionally tied to a register item."""
    _writable(case, by)
    if not (assignee.pk == case.owner_id or case.team.filter(pk=assignee.pk).exists()):
        raise ValidationError({"assignee": "Give the task to someone on the case team."})
    if item is not None and item.case.pk != case.pk:
        raise ValidationError({"item": "That register item belongs to another case."})
    if not title.strip():
        raise ValidationError({"title": "Say what needs doing."})
    with transaction.atomic():
        task = Task(case=case, title=title.strip(), due_on=due_on, assignee=assignee, item=item)
        _save(task, by=by, reason="create")
        _record(task, "create", by=by, case=case, due_on=str(due_on), assignee=assignee.pk)
    return task


def complete_task(task: Task, *, by: User) -> Task:
    _writable(task.case, by)
    if task.done_at:
        raise ValidationError("This task is already done.")
    with transaction.atomic():
        task.done_at, task.done_by = timezone.now(), by
        _save(task, by=by, reason="complete")
        _record(task, "complete", by=by, case=task.case)
    return task


def add_document(case: Case, *, by: User, slot: str, title: str, dated_on: datetime.date, upload: Any) -> CaseDocument:
    """File a document in an evidence slot after the upload checks (size, sniffed type, safe name).
    The case team files into any slot; the organisation's own contacts (casework.provide_evidence)
    into the slots the organisation sees (`CaseDocument.ORGANISATION_SLOTS`)."""
    if by.has_perm("casework.work_case", case):
        _writable(case, by)
    else:
        _require(
            by,
            "casework.provide_evidence",
            case,
            refusal="Only the case team, or the organisation's own contacts while the case is open, add evidence.",
        )
        if slot not in CaseDocument.ORGANISATION_SLOTS:
            raise ValidationError({"slot": "Choose one of your organisation's evidence slots."})
    if slot not in CaseDocument.Slot.values:
        raise ValidationError({"slot": "Choose the evidence slot."})
    if not title.strip():
        raise ValidationError({"title": "Give the document a title."})
    _not_future(dated_on=dated_on)
    try:
        name, content_type = uploads.check_upload(upload)
    except ValidationError as error:
        raise ValidationError({"upload": error.messages}) from None
    with transaction.atomic():
        document = CaseDocument(
            case=case,
            slot=slot,
            title=title.strip(),
            file=upload,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            dated_on=dated_on,
            uploaded_by=by,
        )
        _save(document, by=by, reason="upload")
        _record(document, "upload", by=by, case=case, slot=slot, name=name, size=upload.size)
    return document


def record_funder_consent(
    case: Case,
    *,
    by: User,
    funders: Iterable[Organisation],
    consent_on: datetime.date | None,
    note: str,
    publish_grants: bool = False,
) -> Case:
    """The case team records, on the organisation's behalf, which funders the organisation agreed
    may know about the case (an empty list with a note withdraws consent), and whether its lifeboat
    grants may be published (360Giving). The organisation's own contacts give or withdraw it
    themselves (`give_funder_consent`); this is for consent given to the team (a letter, a call),
    and says so on the record. Side effects: history (with the funder list), audit event
    "funder_consent" with what changed and `on_behalf_of` the organisation."""
    _writable(case, by)
    if not note.strip():
        raise ValidationError({"note": "Say how the organisation gave (or withdrew) its consent."})
    return _write_funder_consent(
        case,
        by=by,
        funders=funders,
        consent_on=consent_on,
        note=note.strip(),
        publish_grants=publish_grants,
        reason=f"Recorded by the case team on behalf of {case.organisation.name}.",
        on_behalf_of=case.organisation_id,
    )


def give_funder_consent(
    case: Case, *, by: User, funders: Iterable[Organisation], publish_grants: bool = False, note: str = ""
) -> Case:
    """The organisation's own contact gives (funders named, or grants publishable) or withdraws (no
    funder, nothing published) its consent, dated today. Withdrawing is always open to it, even
    once the case is closed; giving consent anew needs an open case. Side effects: history (with
    the funder list), audit event "funder_consent" with what changed, by the contact."""
    _require(
        by,
        "casework.consent_case",
        case,
        refusal="Only the organisation's own contacts give or withdraw its consent to tell funders.",
    )
    funders = list(funders)
    giving = bool(funders or publish_grants)
    if giving and case.is_read_only:
        raise ValidationError("The case is closed: your organisation may withdraw its consent, not give it anew.")
    organisation = case.organisation.name
    said = note.strip() or (
        f"{'Given' if giving else 'Withdrawn'} by {by.full_name} for {organisation} on the lifeboat site."
    )
    verb = "gave" if giving else "withdrew"
    return _write_funder_consent(
        case,
        by=by,
        funders=funders,
        consent_on=timezone.localdate() if giving else None,
        note=said,
        publish_grants=publish_grants,
        reason=f"{by.full_name} {verb} {organisation}'s consent themselves.",
        on_behalf_of=None,
    )


def _write_funder_consent(
    case: Case,
    *,
    by: User,
    funders: Iterable[Organisation],
    consent_on: datetime.date | None,
    note: str,
    publish_grants: bool,
    reason: str,
    on_behalf_of: int | None,
) -> Case:
    funders = list(funders)
    if any(f.kind != Organisation.Kind.FUNDER for f in funders):
        raise ValidationError({"funders": "Only funders can be told about a case."})
    if (funders or publish_grants) and not consent_on:
        raise ValidationError({"consent_on": "Give the date the organisation consented."})
    _not_future(consent_on=consent_on)
    with transaction.atomic():
        before = snapshot(case)
        funders_before = sorted(case.shared_with_funders.values_list("name", flat=True))
        case.funder_consent_on = consent_on if (funders or publish_grants) else None
        case.funder_consent_note = note
        case.grants_publishable = bool(publish_grants)
        _save(case, by=by, reason="funder_consent")
        case.shared_with_funders.set(funders)
        changed = changes(before, snapshot(case))
        funders_after = sorted(f.name for f in funders)
        if funders_after != funders_before:  # names, as people read them in the timeline
            changed["shared_with_funders"] = [", ".join(funders_before), ", ".join(funders_after)]
        _record(
            case,
            "funder_consent",
            by=by,
            case=case,
            reason=reason,
            funders=sorted(f.pk for f in funders),
            grants_publishable=[before["grants_publishable"], case.grants_publishable],
            on_behalf_of=on_behalf_of,
            changes=changed,
        )
    return case


# --- The caseload: owners and tasks ------------------------------------------------------------------
def reassign_case(case: Case, *, by: User, owner: Any, reason: str, keep_previous_on_team: bool = True) -> Case:
    """Hand the case to another caseworker (for leave, workload or a conflict), with the reason on
    the record. The previous owner stays on the team unless `keep_previous_on_team` is false; the
    new owner leaves the team list (they own it). Side effects: history row "reassign" (and the
    team's), audit event "reassign" with the owner and team before and after."""
    _require(by, "casework.reassign_case", case)
    if case.is_read_only:
        raise ValidationError("The case is closed and read-only. Reopen it to hand it over.")
    if not owner.has_role("caseworker"):
        raise ValidationError({"owner": f"{owner.full_name} is not a lifeboat caseworker: only caseworkers own cases."})
    if owner.pk == case.owner_id:
        raise ValidationError({"owner": f"{owner.full_name} already owns this case. Choose someone else."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the case is being handed over."})
    with transaction.atomic():
        role = case.acting_role(by)
        previous = case.owner
        team_before = sorted(case.team.values_list("pk", flat=True))
        case.owner = owner
        _save(case, by=by, reason="reassign")
        case.team.remove(owner)
        if keep_previous_on_team:
            case.team.add(previous)
        else:
            case.team.remove(previous)
        team_after = sorted(case.team.values_list("pk", flat=True))
        audit.append(
            case,
            action="reassign",
            actor=by,
            role=role,
            reason=reason.strip(),
            payload={
                "changes": {"owner_id": [previous.pk, owner.pk], "team": [team_before, team_after]},
                "owner_names": [previous.full_name, owner.full_name],
            },
        )
    return case


def change_task(
    task: Task, *, by: User, title: str, due_on: datetime.date, assignee: Any, item: RegisterItem | None = None
) -> Task:
    """Change an open task: what, by when, who does it (someone on the case team) and its register
    item. Side effects: history row "change", audit event "change" with each changed field's old
    and new value (nothing is written when nothing changed)."""
    case = task.case
    _writable(case, by)
    if task.done_at:
        raise ValidationError("This task is closed: it can no longer be changed.")
    if not title.strip():
        raise ValidationError({"title": "Say what needs doing."})
    if not (assignee.pk == case.owner_id or case.team.filter(pk=assignee.pk).exists()):
        raise ValidationError({"assignee": "Give the task to someone on the case team."})
    if item is not None and item.case.pk != case.pk:
        raise ValidationError({"item": "That register item belongs to another case."})
    after = {"title": title.strip(), "due_on": due_on, "assignee_id": assignee.pk, "item_id": item.pk if item else None}
    changes = {
        name: [_plain(getattr(task, name)), _plain(value)]
        for name, value in after.items()
        if getattr(task, name) != value
    }
    if not changes:
        return task
    with transaction.atomic():
        for name, value in after.items():
            setattr(task, name, value)
        if "due_on" in changes:
            task.reminders_sent = []  # a new date earns its own reminders
        _save(task, by=by, reason="change")
        _record(task, "change", by=by, case=case, changes=changes)
    return task


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


# A case in one of these states can no longer do its tasks: they close with it, without reminders.
CLOSES_TASKS = {
    Case.State.CLOSED: "The case closed",
    Case.State.DECLINED: "The case was declined",
    Case.State.WITHDRAWN: "The organisation withdrew",
    Case.State.ARCHIVED: "The case was archived",
}


def close_open_tasks(case: Case, *, by: User) -> int:
    """Close the case's open tasks when the case leaves open work (closed, declined, withdrawn,
    archived): each is stamped closed with the reason, never done, so no reminder goes out.
    Side effects per task: history row "close", audit event "close". Returns how many closed."""
    reason = CLOSES_TASKS.get(case.state)
    if reason is None:
        return 0
    closed = 0
    for task in case.tasks.filter(done_at__isnull=True):
        task.done_at, task.closed_reason = timezone.now(), reason
        _save(task, by=by, reason="close")
        audit.append(
            task,
            action="close",
            actor=by,
            role=case.acting_role(by),
            reason=reason,
            payload={"changes": {"closed_reason": ["", reason]}},
        )
        closed += 1
    return closed
