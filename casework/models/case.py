"""Lifeboat casework: a referral opens a case; Case.State and its transitions are the lifecycle.

This increment holds the parent case (referral → screening → triage → decision → active →
closing review → closed → follow-up → archived, with declined, withdrawn, on hold and escalated)
and the triage health check. The three pathways' own lifecycles (turnaround plans and grants,
interim management, closure registers) are still to come; a case records which pathway it is on
and every change of pathway.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.audit import audited_history
from core.dates import not_in_future
from core.fields import StateField
from core.fsm import ConcurrentTransitionMixin, transition
from core.models import TimeStamped
from organisations.models import Organisation

User = settings.AUTH_USER_MODEL
# Which filing deadline applies to the next accounts, by legal form (the rules table has the months).
ACCOUNTS_RULE_BY_FORM: dict[str, str] = {
    Organisation.LegalForm.CHARITABLE_COMPANY: "company_accounts_months",  # the earlier of its two deadlines
    Organisation.LegalForm.CIC: "company_accounts_months",
    Organisation.LegalForm.CBS: "society_return_months",
}


class Referral(TimeStamped):
    class Source(models.TextChoices):
        CASEWORKER = "caseworker", "Caseworker"
        FUNDER = "funder", "Funder"
        CVS = "cvs", "CVS or support body"
        SELF = "self", "The organisation itself"
        PEER_REVIEW = "peer_review", "Peer review"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent: within a week"
        IMMEDIATE = "immediate", "Immediate: services or money at risk within days"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=20, choices=Source.choices)
    source_reference = models.CharField(max_length=100, blank=True, help_text="e.g. the peer review it came from")
    concerns = models.TextField()
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    referrer_contact = models.CharField(
        max_length=300, blank=True, help_text="Who made the referral and how to reach them."
    )
    received_on = models.DateField(default=timezone.localdate, help_text="The day the referral reached us.")
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    organisation_knows = models.BooleanField(
        null=True, blank=True, help_text="Whether the organisation knows it has been referred (blank: not asked)."
    )
    # A referral nobody will open a case for (a duplicate, or not for the lifeboat), with the reason.
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dismissal_reason = models.TextField(blank=True)

    history = audited_history()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral of {self.organisation} ({self.get_source_display()})"


class Case(ConcurrentTransitionMixin, TimeStamped):
    class State(models.TextChoices):
        REFERRED = "referred", "Referred"
        SCREENING = "screening", "Screening"
        TRIAGE = "triage", "Triage"
        AWAITING_DECISION = "awaiting_decision", "Awaiting the panel's decision"
        ACTIVE = "active", "Active"
        CLOSING_REVIEW = "closing_review", "Closing review"
        CLOSED = "closed", "Closed"
        FOLLOW_UP = "follow_up", "Follow-up"
        ARCHIVED = "archived", "Archived"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        ON_HOLD = "on_hold", "On hold"
        ESCALATED = "escalated", "Escalated"

    class Pathway(models.TextChoices):
        TURNAROUND = "turnaround", "Turnaround"
        INTERIM = "interim", "Interim management"
        CLOSURE = "closure", "Orderly closure"

    class Outcome(models.TextChoices):
        STABILISED = "stabilised", "Stabilised and independent"
        MERGED = "merged", "Merged or joined another organisation"
        CLOSED_ORDERLY = "closed_orderly", "Closed in an orderly way, services passed on"
        INSOLVENT = "insolvent", "Insolvent closure"
        DISENGAGED = "disengaged", "The organisation stopped working with us"

    class Escalation(models.TextChoices):
        SERIOUS_INCIDENT = "serious_incident", "Serious incident report"
        REGULATOR_INQUIRY = "regulator_inquiry", "Regulator inquiry"
        INSOLVENCY_PRACTITIONER = "insolvency_practitioner", "Insolvency practitioner appointed"

    # Which outcomes fit which pathway: one table, read by the outcome operation, the forms and the
    # closing guards (the pathway may change after the outcome was recorded).
    OUTCOMES_FOR: dict[str, tuple[str, ...]] = {
        Pathway.TURNAROUND: (Outcome.STABILISED, Outcome.MERGED, Outcome.DISENGAGED),
        Pathway.INTERIM: (Outcome.STABILISED, Outcome.MERGED, Outcome.DISENGAGED),
        Pathway.CLOSURE: (Outcome.CLOSED_ORDERLY, Outcome.INSOLVENT, Outcome.MERGED, Outcome.DISENGAGED),
    }
    # Outcomes where the organisation (or an insolvency practitioner) took what is left out of our
    # hands: the case may close with its unresolved obligations recorded and the panel's approval.
    LEAVES_UNRESOLVED = (Outcome.DISENGAGED, Outcome.INSOLVENT)

    BEFORE_DECISION = [State.REFERRED, State.SCREENING, State.TRIAGE, State.AWAITING_DECISION]
    OPEN = [*BEFORE_DECISION, State.ACTIVE, State.ON_HOLD, State.ESCALATED, State.CLOSING_REVIEW]
    # Where the panel has the next word: the pathway decision, a proposed closure, an escalation.
    AWAITING_PANEL = [State.AWAITING_DECISION, State.CLOSING_REVIEW, State.ESCALATED]

    # What the stage and pathway mean to the organisation itself, in plain words (its own page,
    # casework.organisation_views): stages before the panel's decision are never shown to it.
    FOR_THE_ORGANISATION: dict[str, str] = {
        State.ACTIVE: "The lifeboat panel agreed to help, and we are working with you on the pathway below.",
        State.ON_HOLD: "The work is paused for now. Your caseworker will tell you when it starts again.",
        State.ESCALATED: "Something serious came up and the lifeboat panel is looking at it. Your caseworker will "
        "be in touch.",
        State.CLOSING_REVIEW: "The work is done and the lifeboat panel is checking the case before it closes.",
        State.CLOSED: "The case is closed. You can still read it here.",
        State.FOLLOW_UP: "The case is closed. We will check in with you for a while afterwards.",
        State.ARCHIVED: "The case is closed and archived. You can still read it here.",
        State.WITHDRAWN: "Your organisation stopped working with the lifeboat. You can still read the case here.",
    }
    PATHWAY_FOR_THE_ORGANISATION: dict[str, str] = {
        Pathway.TURNAROUND: "A plan agreed with your board to put the organisation back on a stable footing, "
        "with milestones and, where needed, small grants paid in parts.",
        Pathway.INTERIM: "An interim manager works with your board for a few months while a permanent leader is found.",
        Pathway.CLOSURE: "Closing the organisation in an orderly way, so that its services, staff, assets and "
        "funds are passed on properly.",
    }

    referral = models.OneToOneField(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="case")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_cases")
    team = models.ManyToManyField(
        User, blank=True, related_name="case_teams", help_text="Other caseworkers on the case."
    )
    state = StateField(choices=State.choices, default=State.REFERRED, protected=True)
    pathway = models.CharField(max_length=20, choices=Pathway.choices, blank=True)
    # Screening
    identity_confirmed = models.BooleanField(default=False, help_text="Legal form and register numbers checked.")
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    conflict_note = models.TextField(blank=True)
    latest_accounts_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    accounts_note = models.TextField(
        blank=True, help_text="Why the next accounts are overdue (past their filing deadline)."
    )
    # Decision
    triaged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    board_consent_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    board_consent_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Side paths and closing
    held_until = models.DateField(null=True, blank=True)
    escalation = models.CharField(max_length=30, choices=Escalation.choices, blank=True)
    signposting = models.TextField(blank=True, help_text="Where else the organisation can get help.")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    unresolved_note = models.TextField(
        blank=True, help_text="What is left unresolved and why (only where the organisation stopped working with us)."
    )
    unresolved_at_closure = models.TextField(
        blank=True, help_text="The obligations still open when the panel closed the case, as they stood then."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The organisation's consent to tell named funders about the case (without it, funders never
    # learn the case exists).
    funder_consent_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    funder_consent_note = models.TextField(blank=True)
    # The organisation's consent to publish its lifeboat grants (360Giving): naming a recipient
    # would tell the world it was in difficulty, so nothing is published without it.
    grants_publishable = models.BooleanField(default=False)
    shared_with_funders = models.ManyToManyField(Organisation, blank=True, related_name="consented_cases")

    history = audited_history(m2m_fields=[team, shared_with_funders])

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state"], name="case_state_idx"),
            models.Index(fields=["created_at"], name="case_created_idx"),  # the case list, newest first
        ]

    def __str__(self) -> str:
        return f"Lifeboat case: {self.organisation.name}"

    def get_absolute_url(self) -> str:
        return reverse("casework:case-detail", args=[self.pk])

    # --- guards -------------------------------------------------------------------------------
    def organisation_identified(self) -> bool:
        """The organisation's legal form and register numbers have been checked"""
        return self.identity_confirmed

    def screening_complete(self) -> bool:
        """The caseworker has declared any conflict, and the accounts are not overdue for filing or the delay is
        explained"""
        if self.conflict_declared_at is None:
            return False
        due = self.next_accounts_due_on()
        recent = due is not None and timezone.localdate() <= due
        return bool(recent or self.accounts_note.strip())

    def next_accounts_due_on(self) -> datetime.date | None:
        """When the accounts after the latest ones are due: a year after the latest accounts' date (taken as
        their year end), plus the filing period for the organisation's legal form."""
        if self.latest_accounts_on is None:
            return None
        from casework import law

        next_year_end = law.add_months(self.latest_accounts_on, 12)
        key = ACCOUNTS_RULE_BY_FORM.get(self.organisation.legal_form, "charity_accounts_months")
        return law.add_period(next_year_end, law.rule_in_force(key, next_year_end))

    def health_check_complete(self) -> bool:
        """The triage health check is complete, each input dated with its source"""
        check = getattr(self, "health_check", None)
        return check is not None and check.is_complete

    def has_pathway_and_consent(self) -> bool:
        """A pathway is chosen and the organisation's board consent is recorded"""
        return bool(self.pathway and self.board_consent_on and self.board_consent_note.strip())

    def has_outcome(self) -> bool:
        """The outcome is recorded"""
        return bool(self.outcome and self.outcome_note.strip())

    def has_document(self, slot: str) -> bool:
        return self.documents.filter(slot=slot).exists()

    @property
    def pathway_record(self) -> Any:
        """This case's record for its current pathway (None before the pathway has started)."""
        return getattr(self, self.pathway, None) if self.pathway else None

    def pathway_finished(self) -> bool:
        """The pathway has reached its exit (or the organisation stopped working with us)"""
        if self.outcome == self.Outcome.DISENGAGED:
            return True
        record = self.pathway_record
        return record is not None and record.exit_reached

    def outcome_fits_pathway(self) -> bool:
        """The outcome fits the pathway (an orderly or insolvent closure only on the closure pathway,
        "stabilised" only on a turnaround or interim)"""
        return self.outcome in self.OUTCOMES_FOR.get(self.pathway, ())

    def unresolved_obligations(self) -> list[str]:
        """What the current pathway still owes, in plain words (empty when nothing is open)."""
        record = self.pathway_record
        return record.open_obligations() if record is not None else []

    def obligations_settled(self) -> bool:
        """Nothing on the current pathway is left unresolved (register items, unsettled grants, an interim in
        post)"""
        return not self.unresolved_obligations()

    def obligations_settled_or_explained(self) -> bool:
        """Nothing on the current pathway is left unresolved, or (where the organisation stopped working with us)
        what is left and why is recorded with the outcome"""
        if self.obligations_settled():
            return True
        return self.outcome in self.LEAVES_UNRESOLVED and bool(self.unresolved_note.strip())

    def leaves_obligations_explained(self) -> bool:
        """Something is left unresolved, and what is left and why is recorded with the outcome"""
        return (
            self.outcome in self.LEAVES_UNRESOLVED
            and bool(self.unresolved_note.strip())
            and not self.obligations_settled()
        )

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.REFERRED,
        target=State.SCREENING,
        conditions=[organisation_identified],
        permission="casework.work_case",
        custom={"label": "Start screening", "style": "primary"},
    )
    def screen(self) -> None:
        pass

    @transition(
        field=state,
        source=State.SCREENING,
        target=State.TRIAGE,
        conditions=[screening_complete],
        permission="casework.work_case",
        custom={"label": "Start triage", "style": "primary"},
    )
    def start_triage(self) -> None:
        pass

    @transition(
        field=state,
        source=State.TRIAGE,
        target=State.AWAITING_DECISION,
        conditions=[health_check_complete],
        permission="casework.work_case",
        custom={"label": "Send to the panel", "style": "primary"},
    )
    def submit_triage(self, triager: Any = None) -> None:
        self.triaged_by = triager

    @transition(
        field=state,
        source=State.AWAITING_DECISION,
        target=State.ACTIVE,
        conditions=[has_pathway_and_consent],
        permission="casework.decide_case",
        custom={"label": "Approve the pathway", "style": "primary"},
    )
    def approve(self, decider: Any = None) -> None:
        self.decided_by = decider

    @transition(
        field=state,
        source=BEFORE_DECISION,
        target=State.DECLINED,
        permission="casework.decide_or_work_case",
        custom={
            "label": "Decline the case",
            "reason_required": True,
            "style": "warning",
            "inputs": "casework.forms.SignpostingForm",
        },
    )
    def decline(self, signposting: str = "") -> None:
        self.signposting = signposting

    @transition(
        field=state,
        source=OPEN,
        target=State.WITHDRAWN,
        permission="casework.work_case",
        custom={
            "label": "Record that the organisation withdrew",
            "reason_required": True,
            "style": "warning",
            "inputs": "casework.forms.SignpostingForm",
        },
    )
    def withdraw(self, signposting: str = "") -> None:
        self.signposting = signposting

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.ON_HOLD,
        permission="casework.work_case",
        custom={"label": "Put on hold", "reason_required": True, "inputs": "casework.forms.HoldForm"},
    )
    def hold(self, until: datetime.date | None = None) -> None:
        self.held_until = until

    @transition(
        field=state,
        source=State.ON_HOLD,
        target=State.ACTIVE,
        permission="casework.work_case",
        custom={"label": "Resume"},
    )
    def resume(self) -> None:
        self.held_until = None

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.ESCALATED,
        permission="casework.work_case",
        custom={
            "label": "Escalate",
            "reason_required": True,
            "style": "warning",
            "inputs": "casework.forms.EscalationForm",
        },
    )
    def escalate(self, kind: str = "") -> None:
        self.escalation = kind

    @transition(
        field=state,
        source=State.ESCALATED,
        target=State.ACTIVE,
        permission="casework.decide_case",
        custom={"label": "Escalation resolved", "reason_required": True},
    )
    def resolve_escalation(self) -> None:
        pass

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.CLOSING_REVIEW,
        conditions=[has_outcome, outcome_fits_pathway, pathway_finished, obligations_settled_or_explained],
        permission="casework.work_case",
        custom={"label": "Propose closing the case", "style": "primary"},
    )
    def propose_closure(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CLOSING_REVIEW,
        target=State.ACTIVE,
        permission="casework.approve_closure",
        custom={"label": "Not ready to close", "reason_required": True, "style": "warning"},
    )
    def reject_closure(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CLOSING_REVIEW,
        target=State.CLOSED,
        conditions=[has_outcome, outcome_fits_pathway, obligations_settled],
        permission="casework.approve_closure",
        custom={"label": "Close the case", "style": "primary"},
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=State.CLOSING_REVIEW,
        target=State.CLOSED,
        conditions=[has_outcome, outcome_fits_pathway, leaves_obligations_explained],
        permission="casework.approve_closure",
        custom={
            "label": "Close, leaving the unresolved items on the record",
            "reason_required": True,
            "style": "warning",
        },
    )
    def close_leaving_unresolved(self, unresolved: str = "") -> None:
        self.closed_at = timezone.now()
        self.unresolved_at_closure = unresolved

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.FOLLOW_UP,
        permission="casework.work_case",
        custom={"label": "Start follow-up checks"},
    )
    def start_follow_up(self) -> None:
        pass

    @transition(
        field=state,
        source=State.FOLLOW_UP,
        target=State.ARCHIVED,
        permission="casework.work_case",
        custom={"label": "Archive"},
    )
    def archive(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.CLOSED, State.FOLLOW_UP],
        target=State.ACTIVE,
        permission="casework.reopen_case",
        custom={"label": "Reopen the case", "reason_required": True, "style": "warning"},
    )
    def reopen(self) -> None:
        self.closed_at = None

    @property
    def is_read_only(self) -> bool:
        return self.state in (
            self.State.CLOSED,
            self.State.FOLLOW_UP,
            self.State.ARCHIVED,
            self.State.DECLINED,
            self.State.WITHDRAWN,
        )

    # What each stage of the case takes: the operations refuse outside it, the case page links to it inside.
    @property
    def stage_for_organisation(self) -> str:
        """The case's stage as its organisation reads it."""
        return self.FOR_THE_ORGANISATION.get(self.state, "")

    @property
    def pathway_for_organisation(self) -> str:
        """The case's pathway as its organisation reads it."""
        return self.PATHWAY_FOR_THE_ORGANISATION.get(self.pathway, "")

    @property
    def takes_screening(self) -> bool:
        """Screening is recorded before triage (referred or screening)."""
        return self.state in (self.State.REFERRED, self.State.SCREENING)

    @property
    def takes_health_check(self) -> bool:
        """The health check is recorded during triage."""
        return self.state == self.State.TRIAGE

    @property
    def awaits_pathway_choice(self) -> bool:
        """The case awaits the panel's decision, when the pathway is chosen."""
        return self.state == self.State.AWAITING_DECISION

    @property
    def is_active(self) -> bool:
        """The case is active (on its pathway): it may change pathway and record its outcome."""
        return self.state == self.State.ACTIVE

    def acting_role(self, user: Any) -> str:
        if user.pk == self.owner_id or self.team.filter(pk=user.pk).exists():
            return "caseworker"
        if user.has_role("panel_member"):
            return "panel_member"
        if user.has_role("administrator") or user.is_superuser:
            return "administrator"
        # The organisation's own people, taking part in their case (casework.take_part_in_case).
        for role in ("responsible_person", "contact"):
            if user.has_role(role, organisation=self.organisation_id):
                return role
        return ""


class PathwayChange(models.Model):
    """Every choice or change of pathway: the history a case keeps."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pathway_changes")
    from_pathway = models.CharField(max_length=20, choices=Case.Pathway.choices, blank=True)
    to_pathway = models.CharField(max_length=20, choices=Case.Pathway.choices)
    reason = models.TextField()
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "changed_at"]

    def __str__(self) -> str:
        return f"{self.from_pathway or 'none'} → {self.to_pathway}"


class RiskField(models.CharField):
    """The health check's risk level, kept in step with `assess()` whenever the row is written,
    bulk_create included (Django asks `pre_save` of every field on every insert, as for auto_now),
    so case lists can filter and sort by risk in SQL. The historical copy has no `assess` and keeps
    the value it is given."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        assess = getattr(model_instance, "assess", None)
        if not callable(assess):
            return super().pre_save(model_instance, add)
        value = assess()[0]
        setattr(model_instance, self.attname, value)
        return value


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)


class HealthCheck(TimeStamped):
    """The triage health check: dated inputs with sources, computed indicators, a risk level and a
    recommended pathway. All the rules are in `assess()`, in one place."""

    class Risk(models.TextChoices):
        GREEN = "green", "Low"
        AMBER = "amber", "Medium"
        RED = "red", "High"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="health_check")
    annual_income = models.DecimalField(max_digits=12, decimal_places=2)
    annual_expenditure = models.DecimalField(max_digits=12, decimal_places=2)
    free_reserves = models.DecimalField(max_digits=12, decimal_places=2)
    cash_at_bank = models.DecimalField(max_digits=12, decimal_places=2)
    weekly_net_cash = models.JSONField(default=list, help_text="13 weeks of forecast net cash flow, £ per week.")
    largest_funder_percent = models.PositiveSmallIntegerField(help_text="Share of income from the largest funder.")
    overdue_filings = models.BooleanField(default=False)
    governance_concerns = models.BooleanField(default=False)
    safeguarding_concerns = models.BooleanField(default=False)
    finances_as_of = models.DateField(
        validators=[not_in_future],
    )
    finances_source = models.CharField(max_length=200)
    forecast_as_of = models.DateField(
        validators=[not_in_future],
    )
    forecast_source = models.CharField(max_length=200)
    governance_as_of = models.DateField(
        validators=[not_in_future],
    )
    governance_source = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    risk = RiskField(max_length=10, choices=Risk.choices, blank=True, editable=False)

    history = audited_history()

    def __str__(self) -> str:
        return f"Health check for {self.case}"

    @property
    def is_complete(self) -> bool:
        sources = [self.finances_source, self.forecast_source, self.governance_source]
        return len(self.weekly_net_cash) == 13 and all(s.strip() for s in sources)

    @property
    def reserves_months(self) -> Decimal | None:
        monthly = _money(self.annual_expenditure) / 12
        return (_money(self.free_reserves) / monthly).quantize(Decimal("0.1")) if monthly > 0 else None

    @property
    def runway_weeks(self) -> int:
        """Weeks until the forecast balance first goes below zero (13 means it lasts the forecast)."""
        balance = _money(self.cash_at_bank)
        for week, flow in enumerate(self.weekly_net_cash, start=1):
            balance += Decimal(str(flow))
            if balance < 0:
                return week - 1
        return len(self.weekly_net_cash)

    def assess(self) -> tuple[str, str, list[str]]:
        """(risk level, recommended pathway, the reasons in plain words)."""
        reasons: list[str] = []
        months, runway = self.reserves_months, self.runway_weeks
        insolvent = _money(self.cash_at_bank) < 0 or runway == 0
        if insolvent:
            reasons.append("Cash runs out within the first week of the forecast.")
        if runway < 4:
            reasons.append(f"Cash runway is {runway} weeks (under 4).")
        elif runway < 13:
            reasons.append(f"Cash runway is {runway} weeks (under 13).")
        if months is not None and months < 1:
            reasons.append(f"Free reserves cover {months} months of spending (under 1).")
        elif months is not None and months < 3:
            reasons.append(f"Free reserves cover {months} months of spending (under 3).")
        if self.largest_funder_percent > 50:
            reasons.append(f"One funder provides {self.largest_funder_percent}% of income.")
        for flag, text in [
            (self.overdue_filings, "Regulator filings are overdue."),
            (self.governance_concerns, "There are governance concerns."),
            (self.safeguarding_concerns, "There are safeguarding concerns."),
        ]:
            if flag:
                reasons.append(text)
        red = insolvent or runway < 4 or (months is not None and months < 1) or self.safeguarding_concerns
        amber = bool(reasons)
        risk = self.Risk.RED if red else self.Risk.AMBER if amber else self.Risk.GREEN
        if insolvent or (red and _money(self.annual_expenditure) > _money(self.annual_income) * Decimal("1.5")):
            pathway = Case.Pathway.CLOSURE
        elif self.governance_concerns and not insolvent:
            pathway = Case.Pathway.INTERIM
        else:
            pathway = Case.Pathway.TURNAROUND
        return risk, pathway, reasons or ["No warning signs in the figures given."]


class CaseNote(TimeStamped):
    """A note on the case, optionally about one checklist line (a closure register item): what kind
    of contact it records and on which day (the last contact shown in the case list)."""

    class Kind(models.TextChoices):
        CALL = "call", "Phone or video call"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email or letter"
        VISIT = "visit", "Visit"
        OTHER = "other", "Other note"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    # Blank only on rows written before notes had a date (read as the day the note was written).
    contacted_on = models.DateField(null=True, blank=True, help_text="The day of the contact the note records.")
    item = models.ForeignKey(
        "casework.RegisterItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )

    history = audited_history()

    class Meta:
        ordering = ["case", "-created_at"]

    def __str__(self) -> str:
        return f"Note on {self.case_id} by {self.author_id}"
