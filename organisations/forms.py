from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import MaxLengthValidator

from core.forms import GovukForm, GovukModelForm, GovukStyleMixin
from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SignInForm(GovukStyleMixin, auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password. Both are case-sensitive only in the password.",
        "inactive": "This account has been switched off. Ask an administrator to restore it.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets max_length without its validator; an over-long address would reach
        # django-axes, whose 255-character column then fails on PostgreSQL (a server error, not a message).
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class PasswordResetForm(GovukStyleMixin, auth_forms.PasswordResetForm):
    def get_users(self, email: str) -> Any:
        """Every active person with this address, including those who never set a password
        (Django leaves them out, so a person added through the app could never sign in)."""
        from organisations.models import User

        return (u for u in User.objects.filter(email__iexact=email, is_active=True) if u.email.lower() == email.lower())


class SetPasswordForm(GovukStyleMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(GovukStyleMixin, auth_forms.PasswordChangeForm):
    pass


class OrganisationForm(GovukModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "legal_form", "charity_number", "company_number", "boroughs", "website", "status"]
        widgets = {"boroughs": forms.CheckboxSelectMultiple}
        help_texts = {"boroughs": "Select every area the organisation works in."}

    def __init__(self, *args: Any, can_change_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["boroughs"].queryset = Borough.objects.order_by("name")
        if not can_change_status:
            del self.fields["status"]


class PersonForm(GovukForm):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField(label="Email address", help_text="They sign in with this and set a password by email.")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone already signs in with this email address.")
        return email


class MembershipForm(GovukModelForm):
    class Meta:
        model = Membership
        fields = ["organisation", "role", "job_title", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}
        help_texts = {"ends_on": "Leave empty while the role continues."}


class EndForm(GovukForm):
    ends_on = forms.DateField(
        label="Ends on", widget=DateInput, required=False, help_text="Leave empty to end it today."
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ConflictDeclarationForm(GovukModelForm):
    class Meta:
        model = ConflictDeclaration
        fields = ["person", "organisation", "kind", "reason", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput, "reason": forms.Textarea(attrs={"rows": 4})}
        labels = {"kind": "Kind of interest", "starts_on": "Since", "ends_on": "Until"}
        help_texts = {"ends_on": "Leave empty if the interest continues."}

    def __init__(self, *args: Any, for_others: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if for_others:
            person = self.fields["person"]
            person.required = False
            person.empty_label = "Yourself"
            person.help_text = "Hub staff can record an interest on someone's behalf."
        else:
            del self.fields["person"]
