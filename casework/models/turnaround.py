"""Turnaround: the plan's own lifecycle, its milestones, and small grants paid in tranches.

diagnosis → plan_drafted → plan_approved → implementing ⇄ review → stabilised → exited.
Only `exited` is an exit the parent case waits for: `stabilised` still has grants to settle and a
last look before the organisation stands on its own.

A small grant: requested → approved → paying (one tranche at a time) → monitored → closed, or
refused, or clawed back. Grants are always restricted to their purpose. A tranche is released only
when its milestone has evidence, and the tranches of a grant never add up to more than the grant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from casework.models.case import Case
from casework.models.pathway import PathwayRecord
from casework.models.tools import CaseDocument
from core.audit import audited_history
from core.dates import not_in_future
from core.fields import StateField
from core.fsm import ConcurrentTransitionMixin, transition
from core.models import TimeStamped
from core.words import money

User = settings.AUTH_USER_MODEL

MIN_RUNWAY_WEEKS = 13  # the exit test mirrors the 13-week cash forecast the diagnosis starts from


class Turnaround(PathwayRecord):
    pathway = Case.Pathway.TURNAROUND

    class State(models.TextChoices):
        DIAGNOSIS = "diagnosis", "Diagnosis"
        PLAN_DRAFTED = "plan_drafted", "Plan drafted"
        PLAN_APPROVED = "plan_approved", "Plan approved"
        IMPLEMENTING = "implementing", "Implementing"
        REVIEW = "review", "Under review"
        STABILISED = "stabilised", "Stabilised"
        EXITED = "exited", "Exited"

    EXIT_STATES = (State.EXITED,)
    RUNNING = (State.PLAN_APPROVED, State.IMPLEMENTING, State.REVIEW, State.STABILISED)

    @property
    def is_running(self) -> bool:
        """The plan is approved and the turnaround has not exited: grants may be requested."""
        return self.state in self.RUNNING

    state = StateField(choices=State.choices, default=State.DIAGNOSIS, protected=True)
    # Diagnosis
    causes_of_distress = models.TextField(blank=True, help_text="What led the organisation into difficulty.")
    solvency_retested_on = models.DateField(
        validators=[not_in_future], null=True, blank=True, help_text="When solvency was tested again."
    )
    solvency_note = models.TextField(blank=True, help_text="The result of the solvency re-test.")
    # Plan
    board_approved_plan_on = models.DateField(
        validators=[not_in_future], null=True, blank=True, help_text="When the board approved the plan."
    )
    expert_help = models.TextField(
        blank=True, help_text="Expert help or consultancy engaged, with its scope (or 'none')."
    )
    plan_approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_reviewed_on = models.DateField(null=True, blank=True)
    # Exit tests
    runway_weeks = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Cash runway now, in weeks.")
    reserves_months = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="Free reserves now, in months of spending."
    )
    reserves_policy_months = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True, help_text="The organisation's own reserves target."
    )
    going_concern_reaffirmed_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    filings_up_to_date = models.BooleanField(default=False, help_text="Accounts and returns are filed on time.")
    open_serious_incident = models.BooleanField(default=False, help_text="A serious incident is open.")
    serious_incident_reported_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    exit_note = models.TextField(blank=True)

    history = audited_history()

    def get_absolute_url(self) -> str:
        return reverse("casework:turnaround", args=[self.case_id])

    # --- guards (the first docstring paragraph is the refusal text) --------------------------
    def causes_recorded(self) -> bool:
        """The causes of distress are recorded"""
        return bool(self.causes_of_distress.strip())

    def cash_forecast_attached(self) -> bool:
        """A 13-week cash forecast is attached"""
        return self.case.has_document(CaseDocument.Slot.CASH_FORECAST)

    def solvency_retested(self) -> bool:
        """Solvency has been re-tested (date recorded)"""
        return self.solvency_retested_on is not None

    def milestones_complete(self) -> bool:
        """The plan has milestones, each with a measure, an owner and a due date"""
        milestones = list(self.milestones.all())
        return bool(milestones) and all(m.is_complete for m in milestones)

    def board_approved(self) -> bool:
        """The organisation's board approval of the plan is recorded"""
        return self.board_approved_plan_on is not None

    def expert_help_recorded(self) -> bool:
        """Expert-help engagements are recorded with their scope (or 'none')"""
        return bool(self.expert_help.strip())

    def runway_enough(self) -> bool:
        """The cash runway is at least 13 weeks"""
        return self.runway_weeks is not None and self.runway_weeks >= MIN_RUNWAY_WEEKS

    def reserves_meet_policy(self) -> bool:
        """Free reserves meet the organisation's own policy target"""
        if self.reserves_months is None or self.reserves_policy_months is None:
            return False
        return self.reserves_months >= self.reserves_policy_months

    def going_concern_reaffirmed(self) -> bool:
        """The board has reaffirmed the organisation is a going concern"""
        return self.going_concern_reaffirmed_on is not None

    def filings_current(self) -> bool:
        """Statutory filings are up to date"""
        return self.filings_up_to_date

    def no_unreported_incident(self) -> bool:
        """No serious incident is open without a report"""
        return not self.open_serious_incident or self.serious_incident_reported_on is not None

    def grants_settled(self) -> bool:
        """Every grant is closed, refused, withdrawn or clawed back"""
        return not self.grants.exclude(state__in=Grant.SETTLED).exists()

    def open_obligations(self) -> list[str]:
        return [
            f"The grant “{g.title}” ({money(g.amount)}) is {g.get_state_display().lower()}, not settled"
            for g in self.grants.exclude(state__in=Grant.SETTLED)
        ]

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.DIAGNOSIS,
        target=State.PLAN_DRAFTED,
        conditions=[PathwayRecord.case_is_active, causes_recorded, cash_forecast_attached, solvency_retested],
        permission="casework.work_case",
        custom={"label": "Diagnosis done: draft the plan", "style": "primary"},
    )
    def draft_plan(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PLAN_DRAFTED,
        target=State.DIAGNOSIS,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.approve_pathway",
        custom={"label": "Send the plan back", "reason_required": True, "style": "warning"},
    )
    def return_plan(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PLAN_DRAFTED,
        target=State.PLAN_APPROVED,
        conditions=[PathwayRecord.case_is_active, milestones_complete, board_approved, expert_help_recorded],
        permission="casework.approve_pathway",
        custom={"label": "Approve the plan", "style": "primary"},
    )
    def approve_plan(self, approver: Any = None) -> None:
        self.plan_approved_by = approver

    @transition(
        field=state,
        source=[State.PLAN_APPROVED, State.IMPLEMENTING, State.REVIEW],
        target=State.PLAN_DRAFTED,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Plan changed: back to the panel", "internal": True},
    )
    def resubmit_plan(self) -> None:
        self.plan_approved_by = None

    @transition(
        field=state,
        source=State.PLAN_APPROVED,
        target=State.IMPLEMENTING,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Start implementing", "style": "primary"},
    )
    def implement(self) -> None:
        pass

    @transition(
        field=state,
        source=State.IMPLEMENTING,
        target=State.REVIEW,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Start a review"},
    )
    def review(self) -> None:
        self.last_reviewed_on = timezone.localdate()

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.IMPLEMENTING,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Not stable yet: keep implementing"},
    )
    def continue_implementing(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.STABILISED,
        conditions=[
            PathwayRecord.case_is_active,
            runway_enough,
            reserves_meet_policy,
            going_concern_reaffirmed,
            filings_current,
            no_unreported_incident,
        ],
        permission="casework.work_case",
        custom={"label": "Record that it is stable", "style": "primary"},
    )
    def stabilise(self) -> None:
        pass

    @transition(
        field=state,
        source=State.STABILISED,
        target=State.EXITED,
        conditions=[PathwayRecord.case_is_active, grants_settled],
        permission="casework.work_case",
        custom={"label": "Exit the turnaround", "style": "primary"},
    )
    def exit(self) -> None:
        pass


class Milestone(TimeStamped):
    """One measurable step of the plan; a grant tranche waits for its evidence."""

    turnaround = models.ForeignKey(Turnaround, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=300, blank=True, help_text="How we will know it is done (the KPI).")
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(max_length=200, blank=True, help_text="Who at the organisation owns it.")
    due_on = models.DateField(null=True, blank=True)
    evidence_note = models.TextField(blank=True, help_text="What shows it was met.")
    evidence_on = models.DateField(
        validators=[not_in_future], null=True, blank=True, help_text="The date of the evidence."
    )
    achieved_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    # The organisation's board sponsor (its nominated responsible person) signs off the evidence
    # themselves (casework.pathways.sign_off_milestone); changing the evidence voids the sign-off.
    signed_off_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["turnaround", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def case(self) -> Case:
        return self.turnaround.case

    @property
    def owner_label(self) -> str:
        return self.owner.full_name if self.owner_id else self.owner_name

    @property
    def is_complete(self) -> bool:
        return bool(self.measure.strip() and (self.owner_id or self.owner_name.strip()) and self.due_on)

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_note.strip() and self.evidence_on)

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def takes_sign_off(self) -> bool:
        """The milestone has evidence the board sponsor has not signed off yet, on a turnaround still running."""
        return self.has_evidence and not self.is_signed_off and not self.turnaround.exit_reached


class GrantQuerySet(models.QuerySet["Grant"]):
    def with_others_total(self) -> GrantQuerySet:
        """Each grant's `others_total()` in the same query (lists that ask `needs_panel` per row)."""
        others = (
            Grant.objects.filter(
                turnaround__case__organisation_id=models.OuterRef("turnaround__case__organisation_id"),
                state__in=Grant.COUNTED,
            )
            .exclude(pk=models.OuterRef("pk"))
            .values("turnaround__case__organisation_id")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        return self.annotate(others_total_sum=models.Subquery(others))


class Grant(ConcurrentTransitionMixin, TimeStamped):
    """A small restricted grant to the organisation, paid in tranches against milestones."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        PAYING = "paying", "Tranches being paid"
        MONITORED = "monitored", "Monitored"
        CLOSED = "closed", "Closed"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn before payment"
        CLAWED_BACK = "clawed_back", "Clawed back"

    SETTLED = (State.CLOSED, State.REFUSED, State.WITHDRAWN, State.CLAWED_BACK)
    # Grants that count towards an organisation's running total (asked for or awarded, not undone).
    COUNTED = (State.REQUESTED, State.APPROVED, State.PAYING, State.MONITORED, State.CLOSED)
    AWARDED = (State.APPROVED, State.PAYING, State.MONITORED, State.CLOSED, State.CLAWED_BACK)
    PAYABLE = (State.APPROVED, State.PAYING)
    CURRENCY = "GBP"

    turnaround = models.ForeignKey(Turnaround, on_delete=models.PROTECT, related_name="grants")
    title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="What the money is restricted to.")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    # Grants are always restricted: if the case moves to closure, unspent money goes back or on with consent.
    restricted = models.BooleanField(default=True, editable=False)
    state = StateField(choices=State.choices, default=State.REQUESTED, protected=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    award_date = models.DateField(null=True, blank=True)
    approver_declaration = models.TextField(blank=True, help_text="The approver's conflict-of-interest declaration.")
    monitoring_note = models.TextField(blank=True)
    clawback_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    objects = GrantQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["turnaround", "pk"]

    def __str__(self) -> str:
        return f"Grant: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("casework:turnaround", args=[self.turnaround.case_id])

    @property
    def case(self) -> Case:
        return self.turnaround.case

    def acting_role(self, user: Any) -> str:
        return self.case.acting_role(user)

    def others_total(self) -> Decimal:
        """What the organisation has already been granted or asked for in other lifeboat grants
        (any case, any turnaround; refused, withdrawn and clawed-back grants do not count)."""
        if hasattr(self, "others_total_sum"):  # annotated by GrantQuerySet.with_others_total
            return self.others_total_sum or Decimal(0)
        total = (
            Grant.objects.filter(turnaround__case__organisation_id=self.turnaround.case.organisation_id)
            .filter(state__in=self.COUNTED)
            .exclude(pk=self.pk)
            .aggregate(total=models.Sum("amount"))["total"]
        )
        return total or Decimal(0)

    @property
    def running_total(self) -> Decimal:
        """This grant plus the organisation's other grants: what decides whether the panel approves."""
        return self.others_total() + (self.amount or Decimal(0))

    @property
    def awaits_approval(self) -> bool:
        """The grant is requested and not yet approved or refused."""
        return self.state == self.State.REQUESTED

    @property
    def takes_tranches(self) -> bool:
        """The grant is approved and being paid: tranches are planned and released against it."""
        return self.state in self.PAYABLE

    @property
    def awaits_monitoring(self) -> bool:
        """Every tranche is paid and how the money was spent is being monitored."""
        return self.state == self.State.MONITORED

    @property
    def needs_panel(self) -> bool:
        """Above LIFEBOAT_GRANT_PANEL_THRESHOLD, counting the organisation's other grants too."""
        return self.running_total > Decimal(settings.LIFEBOAT_GRANT_PANEL_THRESHOLD)

    def within_ceiling(self) -> bool:
        """The grant is within the lifeboat's grant ceiling (LIFEBOAT_GRANT_CEILING)"""
        return (self.amount or Decimal(0)) <= Decimal(settings.LIFEBOAT_GRANT_CEILING)

    def nothing_paid(self) -> bool:
        """No tranche of the grant has been paid (a paid grant is clawed back instead)"""
        return not any(t.state == Tranche.State.PAID for t in self.tranches.all())

    @property
    def amount_paid(self) -> Decimal:
        return sum((t.amount for t in self.tranches.all() if t.state == Tranche.State.PAID), Decimal(0))

    @property
    def amount_planned(self) -> Decimal:
        return sum((t.amount for t in self.tranches.all()), Decimal(0))

    # --- guards ---------------------------------------------------------------------------------
    def turnaround_running(self) -> bool:
        """The case is active on its turnaround and the plan is approved"""
        return self.turnaround.case_is_active() and self.turnaround.is_running

    def case_active(self) -> bool:
        """The case is active on its turnaround"""
        return self.turnaround.case_is_active()

    def has_paid_tranche(self) -> bool:
        """At least one tranche is paid"""
        return any(t.state == Tranche.State.PAID for t in self.tranches.all())

    def no_tranche_waiting(self) -> bool:
        """No tranche is waiting to be paid"""
        return not any(t.state == Tranche.State.PLANNED for t in self.tranches.all())

    def monitoring_recorded(self) -> bool:
        """The monitoring of how the grant was spent is recorded"""
        return bool(self.monitoring_note.strip())

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.REQUESTED,
        target=State.APPROVED,
        conditions=[turnaround_running, within_ceiling],
        permission="casework.approve_grant",
        custom={"label": "Approve the grant", "style": "primary", "form": "casework:grant-approve"},
    )
    def approve(self, approver: Any = None, declaration: str = "") -> None:
        self.approved_by, self.approver_declaration = approver, declaration
        self.award_date = timezone.localdate()

    @transition(
        field=state,
        source=State.REQUESTED,
        target=State.REFUSED,
        conditions=[case_active],
        permission="casework.approve_grant",
        custom={"label": "Refuse the grant", "reason_required": True, "style": "warning"},
    )
    def refuse(self) -> None:
        pass

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.WITHDRAWN,
        conditions=[case_active, nothing_paid],
        permission="casework.withdraw_grant",
        custom={"label": "Withdraw the grant (not needed)", "reason_required": True, "style": "warning"},
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.PAYING],
        target=State.PAYING,
        conditions=[case_active],
        permission="casework.work_case",
        custom={"label": "Record a tranche paid", "internal": True},
    )
    def pay(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PAYING,
        target=State.MONITORED,
        conditions=[case_active, has_paid_tranche, no_tranche_waiting],
        permission="casework.work_case",
        custom={"label": "Payments done: start monitoring"},
    )
    def monitor(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MONITORED,
        target=State.CLOSED,
        conditions=[case_active, monitoring_recorded],
        permission="casework.work_case",
        custom={"label": "Close the grant", "style": "primary"},
    )
    def close(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.PAYING, State.MONITORED],
        target=State.CLAWED_BACK,
        conditions=[case_active],
        permission="casework.claw_back_grant",
        custom={
            "label": "Claw the grant back",
            "reason_required": True,
            "style": "warning",
            "inputs": "casework.forms.ClawbackForm",
        },
    )
    def claw_back(self, amount: Decimal | None = None) -> None:
        self.clawback_amount = amount


class Tranche(ConcurrentTransitionMixin, TimeStamped):
    """One payment of a grant, tied to the milestone whose evidence releases it."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        PAID = "paid", "Paid"

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="tranches")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="tranches")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    state = StateField(choices=State.choices, default=State.PLANNED, protected=True)
    paid_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    paid_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["grant", "pk"]

    @property
    def is_paid(self) -> bool:
        return self.state == self.State.PAID

    def __str__(self) -> str:
        return f"Tranche of £{self.amount} for {self.milestone}"

    def get_absolute_url(self) -> str:
        return self.grant.get_absolute_url()

    @property
    def case(self) -> Case:
        return self.grant.case

    def acting_role(self, user: Any) -> str:
        return self.case.acting_role(user)

    # --- guards ---------------------------------------------------------------------------------
    def grant_payable(self) -> bool:
        """The grant is approved and the case is active on its turnaround"""
        return self.grant.takes_tranches and self.grant.case_active()

    def milestone_has_evidence(self) -> bool:
        """The tranche's milestone has dated evidence"""
        return self.milestone.has_evidence

    def within_grant(self) -> bool:
        """The tranches paid would not exceed the grant"""
        return self.grant.amount_paid + self.amount <= self.grant.amount

    @transition(
        field=state,
        source=State.PLANNED,
        target=State.PAID,
        conditions=[grant_payable, milestone_has_evidence, within_grant],
        permission="casework.release_tranche",
        custom={"label": "Release the payment", "style": "primary", "inputs": "casework.forms.ReleaseForm"},
    )
    def release(self, payer: Any = None, paid_on: Any = None) -> None:
        self.paid_by, self.paid_on = payer, paid_on or timezone.localdate()
