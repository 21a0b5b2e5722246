"""GOV.UK Design System markup for Django forms: one renderer, used by every form in the product."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.SelectMultiple: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.FileInput: "govuk-file-upload",
    forms.ClearableFileInput: "govuk-file-upload",
}


def apply_validation_error(form: forms.BaseForm, error: Any) -> None:
    """Show a ValidationError raised by domain code on the form: field errors against their fields
    (or at the top when the form has no such field), anything else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def apply_row_errors(forms_sent: list[forms.BaseForm], error: Any) -> None:
    """Show a multi-row save's refusal (core.workflow.RowErrors) on the form of each bad row:
    `forms_sent[i]` is the form of the i-th row sent."""
    for index, row_error in error.rows.items():
        apply_validation_error(forms_sent[index], row_error)


def error_items(groups: Iterable[tuple[str, forms.BaseForm | None]]) -> list[tuple[str, str]]:
    """A grid's GOV.UK error summary: every error of every bound form, in page order, as
    ("Row label: message", "#field-id") ("" as the label for a form of the page's own)."""
    items = []
    for label, form in groups:
        if form is None or not form.is_bound or not form.errors:
            continue
        prefix = f"{label}: " if label else ""
        fields = list(form)
        first = f"#{fields[0].id_for_label or fields[0].auto_id}" if fields else ""
        items += [(prefix + str(message), first) for message in form.non_field_errors()]
        for field in fields:
            items += [(prefix + str(message), f"#{field.id_for_label or field.auto_id}") for message in field.errors]
    return items


class GovukFormRenderer(TemplatesSetting):
    """Renders `{{ form }}` as GOV.UK form groups (templates/_partials/form.html, field.html)."""

    form_template_name = "_partials/form.html"
    field_template_name = "_partials/field.html"


def style_widget(widget: forms.Widget, *, has_error: bool) -> None:
    """Give a widget its GOV.UK class, and the error variant when its field has an error."""
    base = next((cls for wtype, cls in _WIDGET_CLASSES.items() if type(widget) is wtype), None)
    if base is None:
        base = "govuk-input"
    classes = {c for c in widget.attrs.get("class", "").split() if c}
    classes.add(base)
    if has_error and base in {"govuk-input", "govuk-textarea", "govuk-select", "govuk-file-upload"}:
        classes.add(f"{base}--error")
    widget.attrs["class"] = " ".join(sorted(classes))


class GovukStyleMixin:
    """GOV.UK classes on every widget, and the error variant on fields with errors."""

    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            style_widget(field.widget, has_error=False)
            # GOV.UK error messages say what to do: "Select the organisation", not "This field is required."
            label = str(field.label or name.replace("_", " ")).lower()
            chooses = isinstance(field.widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple)
            field.error_messages["required"] = f"{'Select' if chooses else 'Enter'} {label}"

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():
            has_error = name in self.errors
            style_widget(field.widget, has_error=has_error)
            bound = self[name]  # type: ignore[index]
            if has_error and bound.auto_id and not bound.field.widget.use_fieldset:
                ids = [f"{bound.auto_id}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"{bound.auto_id}_error"])


class GovukForm(GovukStyleMixin, forms.Form):
    """Base for every plain form."""


if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[Any]
else:  # Django's ModelForm takes no type argument at run time
    _ModelForm = forms.ModelForm


class GovukModelForm(GovukStyleMixin, _ModelForm):
    """Base for every model form."""


class MoveForm(GovukForm):
    """The inputs of one move besides its reason: the spec a transition names with
    `custom={"inputs": "app.forms.ThisForm"}`. Pages render its fields inside the move's own form
    (`core.workflow.AvailableTransition.input_form`), and pages and the API alike check what was sent
    with it (`core.workflow.move_inputs`) before calling the operation, which keeps every rule.
    `obj` is the object moved (for choices that depend on it); field ids carry the move and the
    object, so two moves (or two grants) on one page never share an id."""

    def __init__(self, *args: Any, obj: Any = None, move: str = "", **kwargs: Any) -> None:
        self.obj = obj
        if move:
            key = "-".join(str(part) for part in (move, getattr(obj, "pk", None)) if part is not None)
            kwargs.setdefault("auto_id", f"{key}-%s")
        super().__init__(*args, **kwargs)
