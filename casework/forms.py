from __future__ import annotations

from typing import Any

from django import forms

from casework.models import Case, Referral
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
