from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from casework.models import Case, CaseDocument, CaseNote, Closure, Interim, Referral, RegisterItem
from casework.workflow import CLOSURE_FACTS, ITEM_FIELDS
from core.forms import GovukForm, GovukModelForm, MoveForm
from core.uploads import ALLOWED_LABEL
from organisations.forms import DateInput
from organisations.models import Membership, Organisation, User

YES_NO = [("yes", "Yes"), ("no", "No")]


class ReferralForm(GovukForm):
    """The inputs of casework.workflow.refer_organisation (which checks them)."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.exclude(status="dissolved"))
    source = forms.ChoiceField(choices=Referral.Source.choices, widget=forms.RadioSelect, label="Who referred it")
    referrer_contact = forms.CharField(
        max_length=300,
        label="Referrer's name and contact details",
        help_text="For example: Sam Patel, Hackney CVS, 020 7946 0000",
    )
    received_on = forms.DateField(widget=DateInput, label="Date the referral reached us", initial=timezone.localdate)
    urgency = forms.ChoiceField(choices=Referral.Urgency.choices, widget=forms.RadioSelect, initial="routine")
    organisation_knows = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Does the organisation know it is being referred?",
    )
    concerns = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a new concern, not one the lifeboat already holds",
        help_text="Needed only when the organisation already has a referral waiting or an open case.",
    )


class DismissReferralForm(GovukForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        label="Why the referral is dismissed",
        help_text="For example: it repeats the referral received on 3 March 2026, or it is not for the lifeboat.",
    )


class ReassignCaseForm(GovukForm):
    """The inputs of casework.workflow.reassign_case."""

    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="New owner")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=3000, label="Why the case is being handed over"
    )
    keep_previous_on_team = forms.BooleanField(
        required=False, initial=True, label="Keep the current owner on the case team"
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Membership.objects.current().filter(role=Membership.Role.CASEWORKER).values("person_id")
        self.fields["owner"].queryset = (
            User.objects.filter(pk__in=people).exclude(pk=case.owner_id).order_by("full_name")
        )


class ScreeningForm(GovukForm):
    identity_confirmed = forms.BooleanField(
        required=False, label="I have checked the organisation's legal form and register numbers"
    )
    conflict_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Your conflict-of-interest declaration",
        help_text="Leave empty if you have none.",
    )
    latest_accounts_on = forms.DateField(widget=DateInput, required=False, label="Date of the latest accounts")
    accounts_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Why the next accounts are overdue",
    )


class HealthCheckForm(GovukForm):
    annual_income = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, label="Annual income (£)")
    annual_expenditure = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, label="Annual expenditure (£)"
    )
    free_reserves = forms.DecimalField(max_digits=12, decimal_places=2, label="Free reserves (£)")
    cash_at_bank = forms.DecimalField(max_digits=12, decimal_places=2, label="Cash at bank today (£)")
    weekly_net_cash = forms.CharField(
        label="13-week cash forecast: net cash flow per week (£)",
        help_text="Thirteen numbers separated by commas, for example -2000, -1500, 4000, …",
    )
    largest_funder_percent = forms.IntegerField(
        min_value=0, max_value=100, label="Share of income from the largest funder (%)"
    )
    overdue_filings = forms.BooleanField(required=False, label="Regulator filings are overdue")
    governance_concerns = forms.BooleanField(required=False, label="There are governance concerns")
    safeguarding_concerns = forms.BooleanField(required=False, label="There are safeguarding concerns")
    finances_as_of = forms.DateField(widget=DateInput, label="Financial figures as of")
    finances_source = forms.CharField(max_length=200, label="Source of the financial figures")
    forecast_as_of = forms.DateField(widget=DateInput, label="Forecast as of")
    forecast_source = forms.CharField(max_length=200, label="Source of the forecast")
    governance_as_of = forms.DateField(widget=DateInput, label="Governance answers as of")
    governance_source = forms.CharField(max_length=200, label="Source of the governance answers")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)

    def clean_weekly_net_cash(self) -> list[str]:
        raw = self.cleaned_data["weekly_net_cash"].replace("£", "").split(",")
        values = [p.strip() for p in raw if p.strip()]
        if len(values) != 13:
            raise forms.ValidationError(f"Enter 13 weekly figures; you entered {len(values)}.")
        try:
            return [str(float(v)) for v in values]
        except ValueError:
            raise forms.ValidationError("Each weekly figure must be a number, like -2000 or 4500.") from None


class DecisionForm(GovukForm):
    pathway = forms.ChoiceField(choices=Case.Pathway.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
        help_text="Needed if you choose a different pathway from the one recommended.",
    )
    board_consent_on = forms.DateField(widget=DateInput, label="Date of the board's consent")
    board_consent_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label="How the board consented",
        help_text="For example: board resolution, or the chair's written confirmation.",
    )

    def __init__(self, *args: Any, recommended: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if recommended:
            self.fields["pathway"].initial = recommended


class PathwayChangeForm(GovukForm):
    pathway = forms.ChoiceField(choices=Case.Pathway.choices, widget=forms.RadioSelect, label="New pathway")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class OutcomeForm(GovukForm):
    """The spec of `workflow.record_outcome`; the outcomes offered are those that fit the case's
    pathway (`Case.OUTCOMES_FOR`), and the operation refuses any other."""

    outcome = forms.ChoiceField(choices=Case.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="What happened")
    unresolved_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        label="What is left unresolved, and why",
        help_text="Only where the organisation stopped working with us or went insolvent while register items, "
        "grants or an interim placement are still open. The panel approves it when closing the case.",
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case is not None and case.pathway:
            fitting = Case.OUTCOMES_FOR[case.pathway]
            self.fields["outcome"].choices = [(o.value, o.label) for o in fitting]


class NoteForm(GovukForm):
    kind = forms.ChoiceField(
        choices=CaseNote.Kind.choices, widget=forms.RadioSelect, label="What it records", initial="other"
    )
    contacted_on = forms.DateField(
        widget=DateInput, label="Date of the contact", initial=timezone.localdate, help_text="Today or earlier."
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, label="Add a case note")
    item = forms.ModelChoiceField(queryset=RegisterItem.objects.none(), required=False, label="About a register item")

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        closure = getattr(case, "closure", None) if case else None
        if closure is None:
            del self.fields["item"]
        else:
            self.fields["item"].queryset = closure.items.all()


# --- Orderly closure -------------------------------------------------------------------------------
NULL_BOOLEAN = [("", "Not tested yet"), ("true", "Passed"), ("false", "Failed")]


def closure_facts_form(part: str) -> type[GovukModelForm]:
    """A form over one part of the closure's facts (the field list lives in casework.workflow)."""

    class ClosureFactsForm(GovukModelForm):
        class Meta:
            model = Closure
            fields = CLOSURE_FACTS[part]
            widgets = {
                **{f: DateInput for f in CLOSURE_FACTS[part] if f.endswith("_on")},
                **{
                    f: forms.Select(choices=NULL_BOOLEAN)
                    for f in ("balance_sheet_solvent", "cash_flow_solvent")
                    if f in CLOSURE_FACTS[part]
                },
            }
            labels = {
                "options_note": "Options considered",
                "balance_sheet_solvent": "Balance-sheet test",
                "cash_flow_solvent": "Cash-flow test",
                "solvency_tested_on": "Date of the solvency tests",
                "dissolution_clause": "Dissolution clause",
                "trustee_resolution_on": "Date of the trustees' resolution",
                "members_resolution_required": "The governing document or regulations require a members' resolution",
                "members_resolution_on": "Date of the members' resolution",
                "staff_timeline": "Staff timeline",
                "collective_consultation": "Collective consultation",
                "redundancies_proposed": "Redundancies proposed at one establishment",
                "redundancies_proposed_on": "Date the redundancies were proposed (consultation began)",
                "hr1_sent_on": "Date form HR1 was sent",
                "no_other_activities": "No trading or other activity in the 3 months before applying (s.1004)",
                "no_pending_proceedings": "No insolvency, arrangement or court proceedings pending (s.1005)",
                "parties_notified_on": "Date copies of the application were sent to the people s.1006 names",
                "gazette_notice_on": "Date of the first Gazette notice",
                "dissolved_on": "Date dissolution took effect",
                "insolvency_procedure": "Insolvency procedure",
                "insolvency_practitioner": "Insolvency practitioner (name and firm)",
                "practitioner_licence": "Practitioner's licence number",
                "practitioner_appointed_on": "Date the practitioner was appointed",
                "trustees_exposure": "Trustees' personal exposure",
                "advice_taken_on": "Date the trustees took advice",
                "creditors_declaration_on": "Date of the trustees' declaration on liabilities",
                "safeguarding_handover": "Safeguarding handover",
                "data_disposition": "Personal data: what happened to it",
                "records_custodian": "Custodian of the retained records",
                "last_trading_on": "Date the organisation last traded",
                "final_accounts_approved_on": "Date the final accounts were approved",
                "dissolution_reference": "Dissolution reference",
                "dissolution_filed_on": "Date the dissolution was filed",
            }

    return ClosureFactsForm


R = RegisterItem.Register
REGISTER_ONLY_FIELDS = {  # fields that only some registers use
    "go_live_on": [R.SERVICE],
    "funder": [R.FUND],
    "funder_consent": [R.FUND],
    "regulator_consent": [R.FUND],
    "release_resolution_on": [R.FUND],
    "eli_sent_on": [R.EMPLOYEE],
    "transfer_on": [R.EMPLOYEE],
    "eli_late_reason": [R.EMPLOYEE],
    "notice_on": [R.EMPLOYEE],
    "leaving_on": [R.EMPLOYEE],
}


class RegisterItemForm(GovukModelForm):
    """Every register's item, with the fields that matter to each register explained in help text;
    which kinds and destinations a register allows is checked by casework.workflow.save_item."""

    class Meta:
        model = RegisterItem
        fields = [f for f in ITEM_FIELDS if f != "register"]
        widgets = {f: DateInput for f in ITEM_FIELDS if f.endswith("_on")} | {
            "detail": forms.Textarea(attrs={"rows": 2}),
            "destination_note": forms.Textarea(attrs={"rows": 2}),
            "eli_late_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "value": "Value (£)",
            "due_on": "Due by",
            "destination_note": "Notes on where it goes",
            "completed_on": "Date completed",
            "reference": "Reference",
            "go_live_on": "Date the new provider takes it on",
            "funder_consent": "Funder's consent",
            "regulator_consent": "Charity Commission's consent or concurrence reference",
            "release_resolution_on": "Date the trustees resolved to release the endowment",
            "eli_late_reason": "Why the information went late (TUPE)",
            "eli_sent_on": "Employee liability information sent on (TUPE)",
            "transfer_on": "Transfer date (TUPE)",
            "notice_on": "Notice given on (redundancy)",
            "leaving_on": "Leaving date (redundancy)",
            "outcome": "Where it goes",
            "destination": "Receiving organisation",
            "funder": "Funder (restricted funds)",
        }

    def __init__(self, *args: Any, register: str, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = RegisterItem.KINDS[register]
        outcomes = RegisterItem.OUTCOMES[register]
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        self.fields["kind"].initial = kinds[0].value
        self.fields["outcome"].choices = [("", "Not decided yet"), *[(o.value, o.label) for o in outcomes]]
        self.fields["owner"].queryset = team
        self.fields["owner"].required = True
        self.fields["due_on"].required = True
        active = Organisation.objects.exclude(status="dissolved").order_by("name")
        self.fields["destination"].queryset = active
        self.fields["funder"].queryset = active
        for name, registers in REGISTER_ONLY_FIELDS.items():
            if register not in registers:
                del self.fields[name]


class CompatibilityForm(GovukForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        label="Why the recipient's purposes are compatible with the fund's",
    )


class ReasonForm(GovukForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


# --- Tasks and documents -----------------------------------------------------------------------------
class TaskForm(GovukForm):
    title = forms.CharField(max_length=200, label="What needs doing")
    due_on = forms.DateField(widget=DateInput, label="Due by")
    assignee = forms.ModelChoiceField(queryset=None, label="Who does it")
    item = forms.ModelChoiceField(queryset=None, required=False, label="Register item it belongs to")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = case_team(case)
        closure = getattr(case, "closure", None)
        self.fields["item"].queryset = closure.items.all() if closure else RegisterItem.objects.none()


class DocumentForm(GovukForm):
    slot = forms.ChoiceField(choices=CaseDocument.Slot.choices, label="Evidence slot")
    title = forms.CharField(max_length=200)
    dated_on = forms.DateField(widget=DateInput, label="Date of the document")
    upload = forms.FileField(label="File", help_text=f"{ALLOWED_LABEL}, up to 10 MB.")


def case_team(case: Case) -> Any:
    return User.objects.filter(pk__in=[case.owner_id, *case.team.values_list("pk", flat=True)])


class FunderConsentForm(GovukForm):
    funders = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.FUNDER).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to withdraw consent.",
    )
    publish_grants = forms.BooleanField(
        required=False,
        label="The organisation agrees its lifeboat grants may be published (360Giving)",
        help_text="Without this, its grants are left out of the published 360Giving file.",
    )
    consent_on = forms.DateField(widget=DateInput, required=False, label="Date the organisation consented")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label="How consent was given or withdrawn"
    )


# --- Turnaround and interim management ------------------------------------------------------------
def _text(label: str, *, rows: int = 3, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": rows}),
        required=required,
        max_length=5000,
        label=label,
        help_text=help_text,
    )


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(widget=DateInput, required=required, label=label, help_text=help_text)


# --- the inputs of a move besides its reason: each is named by its transition's custom={"inputs": …}
# and rendered and checked by core.workflow; the operation named in each holds the rule ----------------


class SignpostingForm(MoveForm):
    """Declining or withdrawing a case (casework.workflow.move_case refuses without signposting)."""

    signposting = _text("Where else the organisation can get help", rows=2, required=True)


class EscalationForm(MoveForm):
    """Escalating a case: what kind of escalation it is."""

    kind = forms.ChoiceField(choices=Case.Escalation.choices, required=False, label="Kind of escalation")


class HoldForm(MoveForm):
    """Putting a case on hold, until a date if there is one."""

    until = forms.DateField(
        widget=DateInput,
        required=False,
        label="On hold until",
        help_text="For example, 2026-03-27",
        error_messages={"invalid": "Give the date as year-month-day, or leave it empty."},
    )


class InsolventForm(MoveForm):
    """Moving a closure to the insolvent route (casework.workflow.move_closure names the practitioner)."""

    practitioner = forms.CharField(max_length=200, label="Insolvency practitioner (name and firm)")


class ClawbackForm(MoveForm):
    """Clawing a grant back (casework.pathways.move_grant bounds it by the amount paid)."""

    clawback_amount = forms.DecimalField(max_digits=12, decimal_places=2, label="Amount to recover (£)")


class ReleaseForm(MoveForm):
    """Releasing a tranche: the day it was paid (casework.pathways.release_tranche: today if empty)."""

    paid_on = _date("Date it was paid")


class TurnaroundForm(GovukForm):
    causes_of_distress = _text("Causes of distress", rows=4)
    solvency_retested_on = _date("Date solvency was re-tested")
    solvency_note = _text("Result of the solvency re-test", rows=2)
    board_approved_plan_on = _date("Date the board approved the plan")
    expert_help = _text(
        "Expert help engaged, with its scope", rows=2, help_text="Consultancy, mentoring, pro bono help… or 'none'."
    )
    runway_weeks = forms.IntegerField(min_value=0, max_value=520, required=False, label="Cash runway now (weeks)")
    reserves_months = forms.DecimalField(
        min_value=0, max_digits=5, decimal_places=1, required=False, label="Free reserves now (months)"
    )
    reserves_policy_months = forms.DecimalField(
        min_value=0, max_digits=5, decimal_places=1, required=False, label="The organisation's reserves target (months)"
    )
    going_concern_reaffirmed_on = _date("Date the board reaffirmed it is a going concern")
    filings_up_to_date = forms.BooleanField(required=False, label="Statutory filings are up to date")
    open_serious_incident = forms.BooleanField(required=False, label="A serious incident is open")
    serious_incident_reported_on = _date("Date the serious incident was reported")
    exit_note = _text("Notes for the exit", rows=2)


class MilestoneForm(GovukForm):
    title = forms.CharField(max_length=200)
    measure = forms.CharField(max_length=300, required=False, label="Measure (how we will know it is done)")
    owner_name = forms.CharField(max_length=200, required=False, label="Owner at the organisation")
    due_on = _date("Due date")
    evidence_note = _text("Evidence that it was met", rows=2)
    evidence_on = _date("Date of the evidence")
    achieved_on = _date("Date achieved")


class GrantRequestForm(GovukForm):
    title = forms.CharField(max_length=200)
    purpose = _text("What the grant is restricted to", required=True)
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, label="Amount (£)")


class GrantApprovalForm(GovukForm):
    declaration = _text(
        "Your conflict-of-interest declaration",
        required=True,
        rows=2,
        help_text="Any link you have with the organisation or its people, or 'none'.",
    )


class MonitoringForm(GovukForm):
    note = _text("How the money was spent against its purpose", required=True)


class TrancheForm(GovukForm):
    milestone = forms.ModelChoiceField(queryset=None, label="Milestone whose evidence releases it")  # type: ignore[arg-type]
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, label="Amount (£)")

    def __init__(self, *args: Any, milestones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones


class EvidenceForm(GovukForm):
    slot = forms.ChoiceField(label="What the document is")
    title = forms.CharField(max_length=200)
    dated_on = _date("Date of the document", required=True)
    upload = forms.FileField(label="File", help_text="PDF, Word, Excel, OpenDocument, CSV, PNG or JPEG; up to 10 MB.")

    def __init__(self, *args: Any, slots: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(s.value, s.label) for s in slots]


class InterimForm(GovukForm):
    need = _text("Why the organisation needs an interim")
    scope = _text("Scope")
    deliverables = _text("Deliverables")
    duration_months = forms.IntegerField(
        min_value=1, max_value=36, required=False, label="Duration (months)", help_text="Usually 4 to 8 months."
    )
    day_rate = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, required=False, label="Day rate (£)")
    budget_source = forms.CharField(max_length=300, required=False, label="Who pays, from which budget")
    board_sponsor = forms.CharField(max_length=200, required=False, label="Named board sponsor")
    role_needs_dbs = forms.BooleanField(required=False, label="The role needs a DBS check")
    start_on = _date("Start date")
    reporting_line = forms.CharField(max_length=300, required=False, label="Reporting line to the board")
    done_summary = _text("Exit report: what was done")
    left_for_permanent = _text("Exit report: what is left for the permanent CEO")
    in_progress = _text("Exit report: what is in progress and documented")
    permanent_ceo_status = forms.ChoiceField(
        choices=[("", "Not recorded"), *Interim.Recruitment.choices],
        required=False,
        label="Permanent CEO recruitment",
    )
    sponsor_signed_off_on = _date("Date the board sponsor signed off")


class CandidateForm(GovukForm):
    name = forms.CharField(max_length=200)
    summary = _text("Experience, source and availability", rows=2)
    day_rate = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, required=False, label="Day rate (£)")
    conflict_note = _text("Conflict check: what was found (or 'none')", rows=2)
    conflict_checked_on = _date("Date of the conflict check")
    references_checked_on = _date("Date references were taken")
    dbs_checked_on = _date("Date of the DBS check")


class InterimReviewForm(GovukForm):
    held_on = _date("Date of the review", required=True)
    continue_placement = forms.TypedChoiceField(
        choices=[("yes", "Continue the placement"), ("no", "Move to handover")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Decision",
    )
    note = _text("How the placement is going", required=True)


# --- The organisation's own part in its case (casework.organisation_views) ------------------------
class OrganisationConsentForm(GovukForm):
    """The organisation's own contact gives or withdraws its consent (give_funder_consent)."""

    GIVE, WITHDRAW = "give", "withdraw"
    choice = forms.ChoiceField(
        choices=[
            (GIVE, "Yes: the lifeboat may tell the funders ticked below that we are working with it"),
            (WITHDRAW, "No: withdraw our consent, so that no funder is told and nothing is published"),
        ],
        widget=forms.RadioSelect,
        label="Does your organisation consent to the lifeboat telling funders about its case?",
    )
    funders = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.FUNDER).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Funders who may know",
        help_text="A funder you tick sees the case's stage, pathway and outcome, never its notes or figures.",
    )
    publish_grants = forms.BooleanField(
        required=False,
        label="Our lifeboat grants may be published (360Giving)",
        help_text="Without this, your grants are left out of the published 360Giving file.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        label="Anything to add (optional)",
        help_text="For example, the board meeting that agreed it.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == self.WITHDRAW:
            data["funders"], data["publish_grants"] = [], False
        elif data.get("choice") == self.GIVE and not (data.get("funders") or data.get("publish_grants")):
            self.add_error("funders", "Tick the funders who may know, or that your grants may be published.")
        return data
