from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify

from core.forms import GovukForm, GovukModelForm
from organisations.forms import DateInput
from organisations.models import Organisation
from standards.models import Comment, Framework, FrameworkVersion
from standards.spreadsheet import MAX_BYTES


class FrameworkForm(GovukModelForm):
    class Meta:
        model = Framework
        fields = ["name", "slug", "purpose", "owners", "scoring_mode"]
        widgets = {
            "scoring_mode": forms.RadioSelect,
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "owners": forms.CheckboxSelectMultiple,
        }
        help_texts = {"slug": "Lower-case letters, numbers and hyphens, for example local-support-standards."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = Organisation.objects.order_by("name")
        self.fields["owners"].help_text = "The organisations whose stewards look after this framework."
        self.fields["slug"].required = False

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))[:80]
        if not slug:
            raise forms.ValidationError("Enter a web address name")
        if Framework.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Another framework already uses this web address name")
        return slug


class VersionDetailsForm(GovukModelForm):
    class Meta:
        model = FrameworkVersion
        fields = ["summary", "consultation_opens_on", "consultation_closes_on"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "consultation_opens_on": DateInput,
            "consultation_closes_on": DateInput,
        }
        labels = {"consultation_opens_on": "Consultation opens on", "consultation_closes_on": "Consultation closes on"}


class ImportForm(GovukForm):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=f"A .csv or .xlsx file, one row per indicator, up to {MAX_BYTES // (1024 * 1024)} MB. "
        "Download the current version to see the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ReasonForm(GovukForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(GovukForm):
    target = forms.ChoiceField(label="What are you commenting on?")
    kind = forms.ChoiceField(label="Kind of comment", choices=Comment.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    show_name = forms.BooleanField(
        label="Show my name on the public “you said, we did” page",
        required=False,
        help_text="Otherwise we show only the kind of organisation you are from.",
    )

    def __init__(self, *args: Any, version: FrameworkVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("framework", "The framework as a whole")]
        for theme in version.themes.prefetch_related("standards__indicators"):
            group = [(f"theme:{theme.pk}", f"Theme: {theme.title}")]
            for standard in theme.standards.all():
                group.append((f"standard:{standard.pk}", f"{standard.code} {standard.title}"))
                group += [
                    (f"indicator:{i.pk}", f"{standard.code} indicator {n}: {i.text[:70]}")
                    for n, i in enumerate(standard.indicators.all(), start=1)
                ]
            choices.append((theme.title, group))
        self.fields["target"].choices = choices


class AnswerForm(GovukForm):
    answer = forms.ChoiceField(
        choices=[c for c in Comment.Answer.choices if c[0] != Comment.Answer.UNANSWERED], widget=forms.RadioSelect
    )
    response = forms.CharField(
        label="What you did (“we did”)", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
