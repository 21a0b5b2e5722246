from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from casework.models import Case, Interim, Referral
from core.forms import GovukForm
from organisations.forms import DateInput
from organisations.models import Organisation


class ReferralForm(GovukForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.exclude(status="dissolved"))
    source = forms.ChoiceField(choices=Referral.Source.choices, widget=forms.RadioSelect, label="Who referred it")
    concerns = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


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
        label="Why the accounts are older than 18 months",
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
    outcome = forms.ChoiceField(choices=Case.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="What happened")


class NoteForm(GovukForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, label="Add a case note")


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
