"""Orderly closure: the closure's own lifecycle and its registers.

decision_pending → decision_made → planning → winding_down → final_accounts → regulator_filing →
dissolved → post_closure, or insolvent_route when a solvency test fails (a voluntary closure is
then refused). Every service, asset, fund, employee, contract, creditor and regulator filing is a
RegisterItem with its own small lifecycle: proposed → agreed → completed, or not applicable with a
reason approved by someone other than the person who asked. All destination rules live in
`RegisterItem.problems()`; the closure's guards read them, so the list a person sees on the page
and the reason a move is refused are the same list.
"""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from casework import law
from casework.models.case import Case
from casework.models.pathway import PathwayRecord
from casework.models.tools import CaseDocument
from core.audit import audited_history
from core.dates import not_in_future
from core.fields import StateField
from core.fsm import ConcurrentTransitionMixin, transition
from core.models import TimeStamped
from organisations.models import Organisation

User = settings.AUTH_USER_MODEL

# Every legal threshold and period comes from the rules table (casework.law.rule_in_force), on the
# date the law looks at; see the "Rules we apply" page.
COMPANY_FORMS = {Organisation.LegalForm.CHARITABLE_COMPANY, Organisation.LegalForm.CIC}
# Forms whose dissolution needs the members by law: a CIO's members resolve to dissolve (CIO
# (Insolvency and Dissolution) Regulations 2012); a society's members sign an instrument of
# dissolution (Co-operative and Community Benefit Societies Act 2014 s.119). Others: the governing
# document decides, so the tick stays.
MEMBERS_DECIDE_FORMS = {Organisation.LegalForm.CIO, Organisation.LegalForm.CBS}
# Bodies without legal personality: no corporate insolvency procedure; the trustees are exposed.
UNINCORPORATED_FORMS = {Organisation.LegalForm.TRUST, Organisation.LegalForm.UNINCORPORATED}


class Closure(PathwayRecord):
    pathway = Case.Pathway.CLOSURE

    class State(models.TextChoices):
        DECISION_PENDING = "decision_pending", "Decision pending"
        DECISION_MADE = "decision_made", "Decision made"
        PLANNING = "planning", "Planning"
        WINDING_DOWN = "winding_down", "Winding down"
        FINAL_ACCOUNTS = "final_accounts", "Final accounts"
        REGULATOR_FILING = "regulator_filing", "Regulator filing"
        DISSOLVED = "dissolved", "Dissolved"
        POST_CLOSURE = "post_closure", "After closure"
        INSOLVENT_ROUTE = "insolvent_route", "Insolvent route"

    EXIT_STATES = (State.DISSOLVED, State.POST_CLOSURE, State.INSOLVENT_ROUTE)
    BEFORE_FILING = [State.DECISION_PENDING, State.DECISION_MADE, State.PLANNING, State.WINDING_DOWN]
    # Solvency can fail at any point of a closure (redundancy pay, dilapidations, pension exit debts,
    # clawbacks): until dissolution, a failed re-test opens the insolvent route.
    BEFORE_DISSOLUTION = [*BEFORE_FILING, State.FINAL_ACCOUNTS, State.REGULATOR_FILING]
    # Register items are listed and settled between the decision and the final accounts.
    LISTING_ITEMS = [State.DECISION_MADE, State.PLANNING, State.WINDING_DOWN]
    # Where the panel approves: the closure plan (planning) and the dissolution (regulator filing).
    AWAITING_PANEL = [State.PLANNING, State.REGULATOR_FILING]

    class Procedure(models.TextChoices):
        CVL = "cvl", "Creditors' voluntary liquidation"
        COMPULSORY = "compulsory", "Compulsory liquidation (winding-up order)"
        ADMINISTRATION = "administration", "Administration"
        CVA = "cva", "Company voluntary arrangement"
        UNINCORPORATED = "unincorporated", "Unincorporated body: trustees settle debts (no corporate procedure)"

    state = StateField(choices=State.choices, default=State.DECISION_PENDING, protected=True)
    # Decision
    options_note = models.TextField(blank=True, help_text="Options considered: merger, transfer, closure.")
    balance_sheet_solvent = models.BooleanField(
        null=True, help_text="Assets exceed liabilities, closure costs included."
    )
    cash_flow_solvent = models.BooleanField(null=True, help_text="Debts can be paid as they fall due.")
    solvency_tested_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    dissolution_clause = models.TextField(blank=True, help_text="Where the governing document's dissolution clause is.")
    trustee_resolution_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    members_resolution_required = models.BooleanField(default=False)
    members_resolution_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    insolvency_practitioner = models.CharField(max_length=200, blank=True)
    insolvency_procedure = models.CharField(max_length=20, choices=Procedure.choices, blank=True)
    practitioner_licence = models.CharField(
        max_length=50, blank=True, help_text="The insolvency practitioner's licence (IP) number."
    )
    practitioner_appointed_on = models.DateField(null=True, blank=True)
    trustees_exposure = models.TextField(
        blank=True,
        help_text="Unincorporated bodies and trusts: the trustees' personal exposure to the debts the assets "
        "cannot meet.",
    )
    advice_taken_on = models.DateField(
        null=True, blank=True, help_text="When the trustees took insolvency or legal advice."
    )
    # Planning and winding down
    staff_timeline = models.TextField(blank=True, help_text="When each group of staff leaves.")
    collective_consultation = models.TextField(
        blank=True, help_text="Collective consultation record (needed for 20 or more redundancies within 90 days)."
    )
    redundancies_proposed = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many redundancies are proposed at one establishment."
    )
    redundancies_proposed_on = models.DateField(
        null=True, blank=True, help_text="When the redundancies were proposed and collective consultation began."
    )
    hr1_sent_on = models.DateField(
        null=True, blank=True, help_text="When form HR1 went to the Redundancy Payments Service (TULRCA s.193)."
    )
    creditors_declaration_on = models.DateField(
        validators=[not_in_future],
        null=True,
        blank=True,
        help_text="Trustees declared all debts and liabilities settled or provided for.",
    )
    safeguarding_handover = models.TextField(
        blank=True, help_text="Open safeguarding concerns and who they were handed to (or 'none open')."
    )
    data_disposition = models.TextField(blank=True, help_text="What happened to personal data (deleted, returned).")
    records_custodian = models.CharField(max_length=200, blank=True, help_text="Who keeps the retained records.")
    # Filing
    last_trading_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    final_accounts_approved_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    dissolution_reference = models.CharField(
        max_length=200, blank=True, help_text="Regulator removal, DS01 or CIO dissolution reference."
    )
    dissolution_filed_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    # Companies striking off (Companies Act 2006 ss.1003-1006)
    no_other_activities = models.BooleanField(
        default=False, help_text="No trading, business or other activity in the 3 months before applying (s.1004)."
    )
    no_pending_proceedings = models.BooleanField(
        default=False, help_text="No insolvency, arrangement or court proceedings pending (s.1005)."
    )
    parties_notified_on = models.DateField(
        null=True,
        blank=True,
        help_text="Copies of the application sent to members, creditors, employees, pension managers and directors "
        "not signing (s.1006: within 7 days).",
    )
    gazette_notice_on = models.DateField(
        null=True, blank=True, help_text="The date of the first Gazette notice of the proposed striking off."
    )
    dissolved_on = models.DateField(
        null=True,
        blank=True,
        help_text="When dissolution took effect: the Gazette notice of dissolution, or the regulator's removal.",
    )
    dissolution_approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    # --- facts the guards read ---------------------------------------------------------------
    @property
    def takes_register_items(self) -> bool:
        """Register items are listed and settled between the decision and the final accounts."""
        return self.state in self.LISTING_ITEMS

    @property
    def on_insolvent_route(self) -> bool:
        return self.state == self.State.INSOLVENT_ROUTE

    @property
    def awaits_plan_approval(self) -> bool:
        """The closure plan waits for the panel's approval (otherwise, at the panel, the dissolution)."""
        return self.state == self.State.PLANNING

    @property
    def solvency_failed(self) -> bool:
        return self.balance_sheet_solvent is False or self.cash_flow_solvent is False

    def outstanding(self) -> list[RegisterItem]:
        """Register items without a completed destination or an approved reason."""
        return [i for i in self.items.all() if not i.is_resolved]

    def open_obligations(self) -> list[str]:
        counts = self.outstanding_counts()
        total = sum(n for _, n in counts)
        if not total:
            return []
        listed = ", ".join(f"{label.lower()} {n}" for label, n in counts)
        items = "register item" if total == 1 else "register items"
        return [f"{total} {items} without a completed destination or an approved reason ({listed})"]

    def outstanding_counts(self) -> list[tuple[str, int]]:
        counts = Counter(i.get_register_display() for i in self.outstanding())
        return sorted(counts.items())

    def redundancy_clusters(self) -> int:
        """The most redundancies whose leaving dates fall within any 90-day window."""
        dates = sorted(
            i.leaving_on
            for i in self.items.all()
            if i.register == RegisterItem.Register.EMPLOYEE and i.outcome == RegisterItem.Outcome.REDUNDANCY
            if i.leaving_on and i.state != RegisterItem.State.NOT_APPLICABLE
        )
        best = 0
        for start, day in enumerate(dates):
            window_days = law.rule_in_force("collective_redundancy_window_days", day).number
            window = [d for d in dates[start:] if (d - day).days < window_days]
            best = max(best, len(window))
        return best

    # --- employment clocks (TULRCA ss.188, 193) ---------------------------------------------------
    def redundancies_counted(self) -> int:
        """The redundancies proposed, or the most whose leaving dates fall within one window if more."""
        return max(self.redundancies_proposed or 0, self.redundancy_clusters())

    def _redundancy_dates(self) -> list[datetime.date]:
        return sorted(
            i.leaving_on
            for i in self.items.all()
            if i.register == RegisterItem.Register.EMPLOYEE and i.outcome == RegisterItem.Outcome.REDUNDANCY
            if i.leaving_on and i.state != RegisterItem.State.NOT_APPLICABLE
        )

    def collective_rules(self) -> tuple[Any, Any] | None:
        """The consultation and HR1 periods that apply to the redundancies proposed (None below the threshold).

        The law looks at the date the redundancies are proposed; until that is recorded, the first dismissal.
        """
        dates = self._redundancy_dates()
        day = self.redundancies_proposed_on or (dates[0] if dates else timezone.localdate())
        count = self.redundancies_counted()
        if count < law.rule_in_force("collective_redundancy_threshold", day).number:
            return None
        large = count >= law.rule_in_force("collective_redundancy_large", day).number
        suffix = "_large" if large else ""
        return law.rule_in_force(f"consultation_days{suffix}", day), law.rule_in_force(f"hr1_days{suffix}", day)

    def earliest_dismissal_on(self) -> datetime.date | None:
        """The first day a dismissal may take effect: the end of the consultation clock and of the HR1 period."""
        rules = self.collective_rules()
        if rules is None or self.redundancies_proposed_on is None:
            return None
        consultation, hr1 = rules
        ends = [law.add_period(self.redundancies_proposed_on, consultation)]
        if self.hr1_sent_on:
            ends.append(law.add_period(self.hr1_sent_on, hr1))
        return max(ends)

    def hr1_due_by(self) -> datetime.date | None:
        """The latest HR1 date: its period before the first dismissal takes effect (s.193)."""
        rules, dates = self.collective_rules(), self._redundancy_dates()
        if rules is None or not dates:
            return None
        return law.add_period(dates[0], rules[1], times=-1)

    def members_resolution_needed(self) -> bool:
        """The legal form (CIO, society) or the governing document needs the members to resolve."""
        return self.members_resolution_required or self.case.organisation.legal_form in MEMBERS_DECIDE_FORMS

    def legal_flags(self) -> list[str]:
        """Real dates that fall short of a legal period: recorded as they are, shown until dealt with."""
        flags = []
        rules = self.collective_rules()
        if rules is not None:
            consultation, hr1 = rules
            count = self.redundancies_counted()
            if self.redundancies_proposed_on is None:
                flags.append(
                    f"{count} redundancies are proposed: collective consultation must begin at least "
                    f"{consultation.display_value} before the first dismissal ({consultation.reference}). "
                    "Record the date it began."
                )
            due = self.hr1_due_by()
            if self.hr1_sent_on is None:
                by = f" by {due:%-d %B %Y}" if due else ""
                flags.append(
                    f"Form HR1 must reach the Redundancy Payments Service{by}, at least {hr1.display_value} before "
                    f"the first dismissal takes effect ({hr1.reference})."
                )
            elif due and self.hr1_sent_on > due:
                flags.append(
                    f"Form HR1 was sent on {self.hr1_sent_on:%-d %B %Y}, after {due:%-d %B %Y}, less than "
                    f"{hr1.display_value} before the first dismissal ({hr1.reference}): "
                    "failing to notify is an offence."
                )
            earliest = self.earliest_dismissal_on()
            early = [d for d in self._redundancy_dates() if earliest and d < earliest]
            if early:
                flags.append(
                    f"{len(early)} dismissal(s) take effect before {earliest:%-d %B %Y}, inside the consultation "
                    f"clock ({consultation.reference}): employees may claim a protective award."
                )
        flags += self.strike_off_flags()
        flags += self.insolvency_flags()
        return flags

    def strike_off_flags(self) -> list[str]:
        if self.case.organisation.legal_form not in COMPANY_FORMS or not self.dissolution_filed_on:
            return []
        rule = law.rule_in_force("strike_off_notice_days", self.dissolution_filed_on)
        due = law.add_period(self.dissolution_filed_on, rule)
        if self.parties_notified_on and self.parties_notified_on > due:
            return [
                f"Copies of the striking-off application were sent on {self.parties_notified_on:%-d %B %Y}; "
                f"{rule.reference} required them by {due:%-d %B %Y}."
            ]
        return []

    # --- guards (the first docstring line is the refusal text) -------------------------------
    def solvency_passed(self) -> bool:
        """Both solvency tests are recorded and passed (if either fails, only the insolvent route is open)"""
        return bool(self.solvency_tested_on) and self.balance_sheet_solvent is True and self.cash_flow_solvent is True

    def has_solvency_failure(self) -> bool:
        """A solvency test is recorded as failed"""
        return bool(self.solvency_tested_on) and self.solvency_failed

    def solvency_holds(self) -> bool:
        """No solvency test has failed (if one has, at any stage, only the insolvent route is open)"""
        return not self.solvency_failed

    def insolvency_flags(self) -> list[str]:
        """What the insolvent route still needs recorded, and transactions a practitioner may challenge."""
        if self.state != self.State.INSOLVENT_ROUTE:
            return []
        flags = []
        unincorporated = self.case.organisation.legal_form in UNINCORPORATED_FORMS
        if unincorporated:
            if not (self.trustees_exposure.strip() and self.advice_taken_on):
                flags.append(
                    "An unincorporated body has no insolvency procedure of its own: record the trustees' personal "
                    "exposure and when they took advice."
                )
        elif not (
            self.insolvency_procedure
            and self.insolvency_procedure != self.Procedure.UNINCORPORATED
            and self.insolvency_practitioner.strip()
            and self.practitioner_licence.strip()
            and self.practitioner_appointed_on
        ):
            flags.append(
                "Record the insolvency procedure, the practitioner, their licence number and the date of appointment."
            )
        if not unincorporated:  # ss.238-240 bind companies and CIOs, not trustees of unincorporated bodies
            flags += self._challengeable(self.solvency_tested_on or timezone.localdate())
        return flags

    def _challengeable(self, onset: datetime.date) -> list[str]:
        undervalue = law.rule_in_force("undervalue_lookback_months", onset)
        preference = law.rule_in_force("preference_lookback_months", onset)
        undervalue_from = law.add_period(onset, undervalue, times=-1)
        preference_from = law.add_period(onset, preference, times=-1)
        o, flags = RegisterItem.Outcome, []
        for item in self.items.all():
            done = item.completed_on
            if not done or done > onset:
                continue
            gave_away = item.outcome in (o.TRANSFERRED, o.DISPOSED) and item.register in (
                RegisterItem.Register.ASSET,
                RegisterItem.Register.FUND,
            )
            if gave_away and done >= undervalue_from:
                flags.append(
                    f"{item.name} was {item.get_outcome_display().lower()} on {done:%-d %B %Y}, within "
                    f"{undervalue.display_value} of the failed solvency test: a liquidator may challenge it as a "
                    f"transaction at an undervalue ({undervalue.reference})."
                )
            if item.outcome in (o.PAID, o.SETTLED) and done >= preference_from:
                flags.append(
                    f"{item.name} was paid on {done:%-d %B %Y}, within {preference.display_value} of the failed "
                    f"solvency test: check it was not a preference ({preference.reference}; "
                    "longer for connected people)."
                )
        return flags

    def resolutions_recorded(self) -> bool:
        """The dissolution clause is located and the trustees' (and, where the legal form or governing document
        requires it, the members') resolution recorded"""
        members_ok = not self.members_resolution_needed() or self.members_resolution_on is not None
        return bool(self.dissolution_clause.strip() and self.trustee_resolution_on and members_ok)

    def plan_ready(self) -> bool:
        """The registers list services, assets and funds, each item with an owner and a due date, and the staff
        timeline is recorded"""
        items = list(self.items.all())
        registers = {i.register for i in items}
        needed = {RegisterItem.Register.SERVICE, RegisterItem.Register.ASSET, RegisterItem.Register.FUND}
        return needed <= registers and all(i.owner_id and i.due_on for i in items) and bool(self.staff_timeline.strip())

    def registers_resolved(self) -> bool:
        """Every register item has a completed destination or an approved reason"""
        return not self.outstanding()

    def liabilities_covered(self) -> bool:
        """Creditors are all paid or settled, or the trustees declared liabilities provided for"""
        creditors = [i for i in self.items.all() if i.register == RegisterItem.Register.CREDITOR]
        provided_for = any(i.outcome == RegisterItem.Outcome.PROVIDED_FOR for i in creditors)
        return not provided_for or self.creditors_declaration_on is not None

    def redundancies_consulted(self) -> bool:
        """A collective consultation and the date it began are recorded where the redundancies proposed reach the
        collective threshold (TULRCA s.188, see "Rules we apply")"""
        if self.collective_rules() is None:
            return True
        return bool(self.collective_consultation.strip()) and self.redundancies_proposed_on is not None

    def safeguarding_and_data_settled(self) -> bool:
        """Safeguarding handover, personal-data disposition and the records custodian are recorded"""
        return bool(self.safeguarding_handover.strip() and self.data_disposition.strip() and self.records_custodian)

    def final_accounts_ready(self) -> bool:
        """The final accounts are approved and attached"""
        return bool(self.final_accounts_approved_on) and self.case.has_document(CaseDocument.Slot.FINAL_ACCOUNTS)

    def dissolution_evidenced(self) -> bool:
        """The dissolution evidence for the organisation's legal form is recorded and attached"""
        return bool(
            self.dissolution_reference.strip()
            and self.dissolution_filed_on
            and self.case.has_document(CaseDocument.Slot.DISSOLUTION)
        )

    def strike_off_timing_ok(self) -> bool:
        """A company applies to strike off only after 3 months without trading or other activity and with no
        proceedings pending, and sends copies to the people s.1006 names (Companies Act 2006 ss.1004-1006)"""
        if self.case.organisation.legal_form not in COMPANY_FORMS:
            return True
        if not (self.last_trading_on and self.dissolution_filed_on and self.parties_notified_on):
            return False
        if not (self.no_other_activities and self.no_pending_proceedings):
            return False
        rule = law.rule_in_force("strike_off_inactive_months", self.dissolution_filed_on)
        return self.dissolution_filed_on >= law.add_period(self.last_trading_on, rule)

    def dissolution_took_effect(self) -> bool:
        """Dissolution has taken effect: its date is recorded and not in the future, and for a company the Gazette
        period after the first notice has run (Companies Act 2006 s.1003)"""
        today = timezone.localdate()
        if self.dissolved_on is None or self.dissolved_on > today:
            return False
        if self.dissolution_filed_on and self.dissolved_on < self.dissolution_filed_on:
            return False
        if self.case.organisation.legal_form not in COMPANY_FORMS:
            return True
        if self.gazette_notice_on is None or self.gazette_notice_on > self.dissolved_on:
            return False
        if self.dissolution_filed_on and self.gazette_notice_on < self.dissolution_filed_on:
            return False  # the notice follows the application
        rule = law.rule_in_force("gazette_period_months", self.gazette_notice_on)
        return self.dissolved_on >= law.add_period(self.gazette_notice_on, rule)

    def bank_account_closed(self) -> bool:
        """The bank account is closed (the last item)"""
        banks = [i for i in self.items.all() if i.kind == RegisterItem.Kind.BANK_ACCOUNT]
        return bool(banks) and all(i.is_resolved for i in banks)

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.DECISION_PENDING,
        target=State.DECISION_MADE,
        conditions=[PathwayRecord.case_is_active, solvency_passed, resolutions_recorded],
        permission="casework.work_case",
        custom={"label": "Record the decision to close", "style": "primary"},
    )
    def decide(self) -> None:
        pass

    @transition(
        field=state,
        source=BEFORE_DISSOLUTION,
        target=State.INSOLVENT_ROUTE,
        conditions=[PathwayRecord.case_is_active, has_solvency_failure],
        permission="casework.work_case",
        custom={
            "label": "Move to the insolvent route",
            "reason_required": True,
            "style": "warning",
            "inputs": "casework.forms.InsolventForm",
        },
    )
    def go_insolvent(self, practitioner: str = "") -> None:
        self.insolvency_practitioner = practitioner

    @transition(
        field=state,
        source=State.DECISION_MADE,
        target=State.PLANNING,
        conditions=[PathwayRecord.case_is_active, solvency_holds],
        permission="casework.work_case",
        custom={"label": "Start planning", "style": "primary"},
    )
    def plan(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PLANNING,
        target=State.WINDING_DOWN,
        conditions=[PathwayRecord.case_is_active, solvency_holds, plan_ready],
        permission="casework.approve_pathway",
        custom={"label": "Approve the plan and start winding down", "style": "primary"},
    )
    def wind_down(self) -> None:
        pass

    @transition(
        field=state,
        source=State.WINDING_DOWN,
        target=State.FINAL_ACCOUNTS,
        conditions=[
            PathwayRecord.case_is_active,
            solvency_holds,
            registers_resolved,
            liabilities_covered,
            redundancies_consulted,
            safeguarding_and_data_settled,
        ],
        permission="casework.work_case",
        custom={"label": "Registers done: prepare final accounts", "style": "primary"},
    )
    def finish_winding_down(self) -> None:
        pass

    @transition(
        field=state,
        source=State.FINAL_ACCOUNTS,
        target=State.REGULATOR_FILING,
        conditions=[PathwayRecord.case_is_active, solvency_holds, final_accounts_ready],
        permission="casework.work_case",
        custom={"label": "File with the regulators", "style": "primary"},
    )
    def file(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REGULATOR_FILING,
        target=State.DISSOLVED,
        conditions=[
            PathwayRecord.case_is_active,
            solvency_holds,
            registers_resolved,
            dissolution_evidenced,
            strike_off_timing_ok,
            dissolution_took_effect,
            bank_account_closed,
        ],
        permission="casework.approve_pathway",
        custom={"label": "Confirm the organisation is dissolved", "style": "primary"},
    )
    def dissolve(self, approver: Any = None) -> None:
        self.dissolution_approved_by = approver

    @transition(
        field=state,
        source=State.DISSOLVED,
        target=State.POST_CLOSURE,
        conditions=[safeguarding_and_data_settled],
        permission="casework.work_case",
        custom={"label": "Start the records-retention period"},
    )
    def after_closure(self) -> None:
        pass


class RegisterItem(ConcurrentTransitionMixin, TimeStamped):
    """One line of a closure register and where it goes."""

    class Register(models.TextChoices):
        SERVICE = "service", "Services"
        ASSET = "asset", "Assets"
        FUND = "fund", "Funds"
        EMPLOYEE = "employee", "Employees"
        CONTRACT = "contract", "Contracts"
        CREDITOR = "creditor", "Creditors"
        FILING = "filing", "Regulator filings and notifications"

    class Kind(models.TextChoices):
        SERVICE = "service", "Service"
        CASH = "cash", "Cash"
        BANK_ACCOUNT = "bank_account", "Bank account"
        INVESTMENTS = "investments", "Investments"
        PROPERTY = "property", "Property"
        LEASE = "lease", "Lease"
        EQUIPMENT = "equipment", "Equipment"
        VEHICLE = "vehicle", "Vehicle"
        INTELLECTUAL_PROPERTY = "intellectual_property", "Intellectual property"
        DOMAIN = "domain", "Domain or social account"
        UNRESTRICTED = "unrestricted", "Unrestricted fund"
        DESIGNATED = "designated", "Designated fund"
        RESTRICTED = "restricted", "Restricted fund"
        ENDOWMENT = "endowment", "Permanent endowment"
        EMPLOYEE = "employee", "Employee"
        CONTRACT = "contract", "Contract"
        CREDITOR = "creditor", "Creditor"
        FILING = "filing", "Filing or notification"

    class Outcome(models.TextChoices):
        TRANSFERRED = "transferred", "Transferred to another organisation"
        STATUTORY = "statutory", "Handed to statutory services"
        ENDED = "ended", "Ended, users signposted"
        SOLD = "sold", "Sold"
        DISPOSED = "disposed", "Disposed of or written off"
        CLOSED = "closed", "Closed"
        SPENT = "spent", "Spent on its purpose"
        RETURNED = "returned", "Returned to the funder"
        TUPE = "tupe", "TUPE transfer"
        REDUNDANCY = "redundancy", "Redundancy"
        TERMINATED = "terminated", "Terminated"
        NOVATED = "novated", "Novated to another organisation"
        PAID = "paid", "Paid"
        SETTLED = "settled", "Settled"
        PROVIDED_FOR = "provided_for", "Provided for (trustee declaration)"
        FILED = "filed", "Filed or notified"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        COMPLETED = "completed", "Completed"
        NA_REQUESTED = "na_requested", "Not applicable: awaiting approval"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    # Which kinds and outcomes each register allows: one table, read by forms and rules alike.
    KINDS: dict[str, list[str]] = {
        Register.SERVICE: [Kind.SERVICE],
        Register.ASSET: [
            Kind.CASH,
            Kind.BANK_ACCOUNT,
            Kind.INVESTMENTS,
            Kind.PROPERTY,
            Kind.LEASE,
            Kind.EQUIPMENT,
            Kind.VEHICLE,
            Kind.INTELLECTUAL_PROPERTY,
            Kind.DOMAIN,
        ],
        Register.FUND: [Kind.UNRESTRICTED, Kind.DESIGNATED, Kind.RESTRICTED, Kind.ENDOWMENT],
        Register.EMPLOYEE: [Kind.EMPLOYEE],
        Register.CONTRACT: [Kind.CONTRACT],
        Register.CREDITOR: [Kind.CREDITOR],
        Register.FILING: [Kind.FILING],
    }
    OUTCOMES: dict[str, list[str]] = {
        Register.SERVICE: [Outcome.TRANSFERRED, Outcome.STATUTORY, Outcome.ENDED],
        Register.ASSET: [Outcome.TRANSFERRED, Outcome.SOLD, Outcome.DISPOSED, Outcome.CLOSED],
        Register.FUND: [Outcome.SPENT, Outcome.TRANSFERRED, Outcome.RETURNED],
        Register.EMPLOYEE: [Outcome.TUPE, Outcome.REDUNDANCY],
        Register.CONTRACT: [Outcome.TERMINATED, Outcome.NOVATED],
        Register.CREDITOR: [Outcome.PAID, Outcome.SETTLED, Outcome.PROVIDED_FOR],
        Register.FILING: [Outcome.FILED],
    }
    RESTRICTED_KINDS = (Kind.RESTRICTED, Kind.ENDOWMENT)
    RESOLVED = (State.COMPLETED, State.NOT_APPLICABLE)
    # Until it is settled or asked to be marked not applicable, an item can still be changed.
    CHANGEABLE = (State.PROPOSED, State.AGREED)
    # A compatibility review and a funder's consent are given for one (recipient, funder) pair:
    # changing either voids them (`void_pair_approvals`).
    PAIR_FIELDS = ("destination_id", "funder_id")
    # Where it goes: changing any of these on an agreed item sends it back to proposed.
    DESTINATION_FIELDS = (
        "outcome",
        "destination_id",
        "destination_note",
        "funder_id",
        "funder_consent",
        "regulator_consent",
        "go_live_on",
        "eli_sent_on",
        "transfer_on",
        "notice_on",
        "leaving_on",
        "value",
        "kind",
    )

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="items")
    register = models.CharField(max_length=20, choices=Register.choices)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    value = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="£, where it has one."
    )
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    state = StateField(choices=State.choices, default=State.PROPOSED, protected=True)
    # Where it goes
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    destination = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="closure_receipts"
    )
    destination_note = models.TextField(
        blank=True, help_text="Where users were signposted, why it was disposed of, the recipient's acceptance…"
    )
    go_live_on = models.DateField(null=True, blank=True, help_text="When the new provider takes the service on.")
    completed_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True, help_text="Filing, contract or payment reference.")
    # Funds
    funder = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    compatibility_reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compatibility_note = models.TextField(blank=True)
    funder_consent = models.CharField(max_length=200, blank=True, help_text="The funder's written consent.")
    destination_set_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who last proposed where it goes (they never review the recipient's purposes).",
    )
    regulator_consent = models.CharField(max_length=200, blank=True, help_text="Regulator consent reference.")
    release_resolution_on = models.DateField(
        null=True,
        blank=True,
        help_text="Permanent endowment spent: the date of the trustees' resolution releasing it (Charities Act 2011 "
        "ss.281-282).",
    )
    # Employees
    eli_sent_on = models.DateField(
        validators=[not_in_future], null=True, blank=True, help_text="Employee liability information sent."
    )
    transfer_on = models.DateField(null=True, blank=True)
    eli_late_reason = models.TextField(
        blank=True,
        help_text="If the information went late: the special circumstances that made it not reasonably practicable "
        "sooner (TUPE reg 11(6)).",
    )
    notice_on = models.DateField(null=True, blank=True)
    leaving_on = models.DateField(null=True, blank=True)
    # Not applicable
    na_reason = models.TextField(blank=True)
    na_requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    na_approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["closure", "register", "pk"]

    def __str__(self) -> str:
        return f"{self.get_register_display()}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("casework:item-edit", args=[self.pk])

    @property
    def case(self) -> Case:
        return self.closure.case

    @property
    def is_resolved(self) -> bool:
        return self.state in self.RESOLVED

    @property
    def is_agreed(self) -> bool:
        return self.state == self.State.AGREED

    @property
    def is_changeable(self) -> bool:
        """The item is proposed or agreed: its details and recipient can still be changed."""
        return self.state in self.CHANGEABLE

    def acting_role(self, user: Any) -> str:
        return self.case.acting_role(user)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        # (A form cleans a new item before the operation gives it its closure: the operation's
        # own full_clean, with the closure set, is the check that counts.)
        if self.destination_id and self.closure_id and self.destination_id == self.closure.case.organisation_id:
            raise ValidationError(
                {"destination": "The closing organisation cannot receive its own services or assets: choose another."}
            )

    def void_pair_approvals(self, before: dict[str, Any]) -> list[str]:
        """Clear the compatibility review and the funder's consent when the recipient or the funder
        changed since `before` (a `core.workflow.snapshot`); returns what was voided, in words.
        A consent typed afresh in the same change is kept: it is given for the new pair."""
        if all(before.get(f) == getattr(self, f) for f in self.PAIR_FIELDS):
            return []
        voided = []
        if self.compatibility_reviewed_by_id or self.compatibility_note:
            self.compatibility_reviewed_by, self.compatibility_note = None, ""
            voided.append("the compatibility review")
        if self.funder_consent and self.funder_consent == before.get("funder_consent"):
            self.funder_consent = ""
            voided.append("the funder's consent")
        return voided

    # --- the destination rules, in one place ------------------------------------------------
    def date_problems(self) -> list[str]:
        """Rules on dates, refused as soon as they are entered (impossible dates only: a real date that falls
        short of a legal period is recorded and flagged, see `legal_flags`)."""
        problems = []
        if self.notice_on and self.leaving_on and self.leaving_on < self.notice_on:
            problems.append("The leaving date cannot be before notice was given.")
        problems += self.completion_problems()
        return problems

    def completion_problems(self) -> list[str]:
        """A completion is never in the future, nor before the date it takes effect."""
        done = self.completed_on
        if done is None:
            return []
        if done > timezone.localdate():
            return ["The completion date cannot be in the future: record it once it has happened."]
        effective = self.takes_effect()
        if effective is not None and done < effective[0]:
            day, words = effective
            return [f"It cannot be completed before {words} ({day:%-d %B %Y})."]
        return []

    def takes_effect(self) -> tuple[datetime.date, str] | None:
        """The day this item's destination takes effect, and its name in words, where its outcome has
        one (a TUPE transfer, a leaving date, a transferred service's go-live) and it is recorded."""
        if self.outcome == self.Outcome.TUPE:
            day, words = self.transfer_on, "the TUPE transfer date"
        elif self.outcome == self.Outcome.REDUNDANCY:
            day, words = self.leaving_on, "the leaving date"
        elif self.register == self.Register.SERVICE and self.outcome == self.Outcome.TRANSFERRED:
            day, words = self.go_live_on, "the date the new provider takes the service on"
        else:
            return None
        return (day, words) if day else None

    def problems(self) -> list[str]:
        """What is missing before this item's destination can be agreed (empty when it can)."""
        o, p = self.Outcome, []
        if self.kind not in self.KINDS[self.register]:
            p.append(f"Choose a kind of {self.get_register_display().lower()}.")
        if self.outcome not in self.OUTCOMES[self.register]:
            return [*p, "Choose where it goes."]
        needs_destination = self.outcome in (o.TRANSFERRED, o.NOVATED, o.TUPE)
        if needs_destination and not self.destination_id:
            p.append("Choose the organisation it goes to.")
        if self.register == self.Register.SERVICE:
            if self.outcome == o.TRANSFERRED and not self.go_live_on:
                p.append("Give the date the new provider takes the service on.")
            if self.outcome in (o.ENDED, o.STATUTORY) and not self.destination_note.strip():
                p.append("Say where the service's users were signposted.")
        if self.register == self.Register.ASSET and self.outcome != o.CLOSED and not self.destination_note.strip():
            p.append("Record the recipient's acceptance, or why it was sold or disposed of.")
        if self.kind == self.Kind.BANK_ACCOUNT and self.outcome != o.CLOSED:
            p.append("A bank account is closed.")
        if self.register == self.Register.FUND:
            p += self._fund_problems()
        p += self._recipient_problems()
        if self.outcome == o.TUPE and not (self.eli_sent_on and self.transfer_on):
            p.append("Give the date employee liability information was sent and the transfer date.")
        if self.outcome == o.REDUNDANCY and not (self.notice_on and self.leaving_on):
            p.append("Give the notice date and the leaving date.")
        settled = self.register in (self.Register.CONTRACT, self.Register.CREDITOR, self.Register.FILING)
        if settled and not (self.reference.strip() or self.destination_note.strip()):
            p.append("Give the reference or a note of how it was settled.")
        return p + self.date_problems()

    def _recipient_problems(self) -> list[str]:
        """Who may receive what is left: a charity's assets and funds go on to charitable purposes
        (another charity); a CIC's are held by its asset lock and go only to an asset-locked body. A
        sale at market value, or paying the creditors, is not a gift and is not limited."""
        if self.register not in (self.Register.ASSET, self.Register.FUND) or self.outcome != self.Outcome.TRANSFERRED:
            return []
        recipient = self.destination
        if recipient is None or not self.closure_id:
            return []
        closing = self.closure.case.organisation
        if recipient.may_take_assets_of(closing):
            return []
        if closing.legal_form == closing.LegalForm.CIC:
            return [
                f"A community interest company's asset lock lets its assets go only to another asset-locked "
                f"body (a charity or a CIC): {recipient.name} is neither (Companies (Audit, Investigations and "
                "Community Enterprise) Act 2004 s.30; CIC Regulations 2005 reg. 23). Choose another recipient, "
                "or record a sale at market value."
            ]
        return [
            f"A charity's assets go on to charitable purposes: {recipient.name} is not a charity. Choose a "
            "charity whose purposes fit (as the governing document's dissolution clause says), or record a "
            "sale at market value."
        ]

    def _fund_problems(self) -> list[str]:
        o, p = self.Outcome, []
        restricted = self.kind in self.RESTRICTED_KINDS
        if self.outcome == o.SPENT and not self.destination_note.strip():
            p.append("Describe how it was spent on its purpose.")
        if restricted and self.outcome == o.TRANSFERRED:
            if not (self.compatibility_reviewed_by_id and self.compatibility_note.strip()):
                p.append("A named reviewer must mark the recipient's purposes compatible with the fund's.")
            elif self.destination_set_by_id and self.compatibility_reviewed_by_id == self.destination_set_by_id:
                p.append(
                    "The compatibility review must be by someone other than the person who proposed the recipient."
                )
            if not self.funder_consent.strip():
                p.append("Record the funder's consent to the transfer.")
        if restricted and self.outcome == o.RETURNED and not self.funder_id:
            p.append("Choose the funder it goes back to.")
        if self.kind == self.Kind.ENDOWMENT and self.outcome == o.SPENT:
            # Spending permanent endowment (running costs included) needs it released first; a transfer
            # keeps it endowment in the recipient's hands and follows the restricted-fund rules above.
            if self.release_resolution_on is None:
                p.append(
                    "Permanent endowment can be spent only once released: record the date of the trustees' "
                    "resolution (Charities Act 2011 ss.281-282)."
                )
            elif self.needs_commission_concurrence(self.release_resolution_on) and not self.regulator_consent.strip():
                rule = law.rule_in_force("endowment_release_value", self.release_resolution_on)
                p.append(
                    f"This endowment is worth more than {rule.display_value}: record the Charity Commission's "
                    f"concurrence with the release ({rule.reference})."
                )
        if not restricted and self.outcome in (o.TRANSFERRED, o.RETURNED) and not self.destination_note.strip():
            p.append("Record the trustees' decision.")
        return p

    def needs_commission_concurrence(self, on: datetime.date) -> bool:
        """Whether releasing this permanent endowment on `on` needs the Charity Commission to concur.

        From 14 June 2023 (Charities Act 2022) trustees may release a fund worth up to the value threshold by
        resolution; before then the Commission had to concur where income and value were both over theirs.
        """
        value = self.value or Decimal(0)
        over_value = value > law.rule_in_force("endowment_release_value", on).amount
        if not law.is_in_force("endowment_release_income", on):
            return over_value
        check = getattr(self.case, "health_check", None)
        income = check.annual_income if check else None
        return over_value and (income is None or income > law.rule_in_force("endowment_release_income", on).amount)

    def eli_shortfall_days(self) -> int:
        """Days by which employee liability information fell short of the period before the transfer (0 if not)."""
        if not (self.outcome == self.Outcome.TUPE and self.eli_sent_on and self.transfer_on):
            return 0
        rule = law.rule_in_force("tupe_eli_days", self.transfer_on)
        return max(0, rule.number - (self.transfer_on - self.eli_sent_on).days)

    def legal_flags(self) -> list[str]:
        """Real dates that fall short of a legal period: recorded, never refused, shown with the exposure."""
        flags = []
        shortfall = self.eli_shortfall_days()
        if shortfall:
            rule = law.rule_in_force("tupe_eli_days", self.transfer_on)
            award = law.rule_in_force("tupe_eli_min_compensation", self.transfer_on)
            reason = (
                f" Special circumstances recorded: {self.eli_late_reason.strip()}"
                if self.eli_late_reason.strip()
                else " Record the special circumstances, if any."
            )
            flags.append(
                f"Employee liability information went {shortfall} day(s) late: {rule.reference} asks for it "
                f"{rule.display_value} before the transfer. The new employer may claim compensation, normally at "
                f"least {award.display_value} for this employee ({award.reference}).{reason}"
            )
        redundancy = self.outcome == self.Outcome.REDUNDANCY and self.leaving_on is not None
        earliest = self.closure.earliest_dismissal_on() if redundancy else None
        if earliest and self.leaving_on and self.leaving_on < earliest:
            flags.append(
                f"This dismissal takes effect on {self.leaving_on:%-d %B %Y}, inside the collective consultation "
                f"clock, which ends on {earliest:%-d %B %Y} (TULRCA ss.188, 193)."
            )
        return flags

    # --- guards ---------------------------------------------------------------------------------
    def closure_open(self) -> bool:
        """The closure is planning or winding down"""
        return self.closure.state in (Closure.State.PLANNING, Closure.State.WINDING_DOWN) and (
            self.closure.case_is_active()
        )

    def destination_complete(self) -> bool:
        """Its destination is complete (see the item for what is missing)"""
        return not self.problems()

    def has_completion_date(self) -> bool:
        """The completion date is recorded"""
        return self.completed_on is not None

    def others_resolved_first(self) -> bool:
        """Every other item is resolved before the bank account closes"""
        if self.kind != self.Kind.BANK_ACCOUNT:
            return True
        others = [i for i in self.closure.items.all() if i.pk != self.pk and i.kind != self.Kind.BANK_ACCOUNT]
        return all(i.is_resolved for i in others)

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.AGREED,
        conditions=[closure_open, destination_complete],
        permission="casework.work_case",
        custom={"label": "Agree", "style": "primary"},
    )
    def agree(self) -> None:
        pass

    @transition(
        field=state,
        source=State.AGREED,
        target=State.COMPLETED,
        conditions=[closure_open, destination_complete, has_completion_date, others_resolved_first],
        permission="casework.work_case",
        custom={"label": "Mark completed", "style": "primary"},
    )
    def complete(self) -> None:
        pass

    @transition(
        field=state,
        source=State.AGREED,
        target=State.PROPOSED,
        conditions=[closure_open],
        permission="casework.work_case",
        custom={"label": "Reopen: where it goes changed", "internal": True},
    )
    def revise(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.PROPOSED, State.AGREED],
        target=State.NA_REQUESTED,
        conditions=[closure_open],
        permission="casework.work_case",
        custom={"label": "Not applicable…", "reason_required": True},
    )
    def ask_not_applicable(self, requester: Any = None, why: str = "") -> None:
        self.na_requested_by, self.na_reason = requester, why

    @transition(
        field=state,
        source=State.NA_REQUESTED,
        target=State.NOT_APPLICABLE,
        conditions=[closure_open],
        permission="casework.approve_item",
        custom={"label": "Approve: not applicable", "style": "primary"},
    )
    def approve_not_applicable(self, approver: Any = None) -> None:
        self.na_approved_by = approver

    @transition(
        field=state,
        source=State.NA_REQUESTED,
        target=State.PROPOSED,
        conditions=[closure_open],
        permission="casework.approve_item",
        custom={"label": "Refuse: it applies", "reason_required": True, "style": "warning"},
    )
    def refuse_not_applicable(self) -> None:
        self.na_requested_by, self.na_reason = None, ""
