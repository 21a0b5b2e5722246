"""Values in words for people: money, dates, and "what changed" in an audit event.

The timeline, the decision log CSV and the case PDF all say what an "update" changed through
`describe_changes`, so the three never disagree. An audit payload's `changes` is
`{field attname: [old, new]}` as `core.workflow.snapshot` stores it (JSON: dates as ISO text,
Decimals as text, foreign keys as ids).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models


def money(value: Any) -> str:
    """£4,500.00; a minus sign before the pound sign (−£20.00); "" for nothing. One formatter for
    pages, audit words and PDFs: `core.templatetags.words.pounds`."""
    from core.templatetags.words import pounds

    return pounds(value, "pence") if value not in (None, "") else ""


def either(labels: list[str]) -> str:
    """Choices as a sentence ends: "approve the grant or refuse the grant"; with semicolons when a
    choice has a comma of its own ("close the case; close, leaving …; or not ready to close")."""
    words = [label[:1].lower() + label[1:] for label in labels]
    if len(words) < 2:
        return "".join(words)
    if any("," in word for word in words):
        return "; ".join(words[:-1]) + "; or " + words[-1]
    return ", ".join(words[:-1]) + " or " + words[-1]


def date(value: Any) -> str:
    """4 March 2026 (from a date or ISO text); "" for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    return f"{value.day} {value:%B %Y}"


def _field_for(model: type[models.Model] | None, attname: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    return None


def value_words(field: models.Field[Any, Any] | None, value: Any) -> str:
    """One stored value as a person reads it: the choice's label, money, a date, yes/no, a name."""
    if value is None or value == "" or value == "None":  # "None": payloads written before old/new were typed
        return "nothing"
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "yes" if value in (True, "True", "true", 1) else "no"
    if isinstance(field, models.DecimalField) and _is_money(field):
        return money(value)
    if isinstance(field, models.DateTimeField):
        return date(value)
    if isinstance(field, models.DateField):
        return date(value)
    if isinstance(field, models.ForeignKey):
        target = field.related_model._default_manager.filter(pk=value).first()
        return str(getattr(target, "full_name", "") or target) if target is not None else f"#{value}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _is_money(field: models.Field[Any, Any]) -> bool:
    # Money fields in this product are the 2-decimal-place amounts (months and percentages use 1).
    return getattr(field, "decimal_places", None) == 2


def label_of(field: models.Field[Any, Any] | None, attname: str) -> str:
    if field is None:
        return attname.replace("_", " ")
    return str(field.verbose_name)


def describe_changes(model: type[models.Model] | None, changes: Any) -> list[str]:
    """["Recipient: Hackney CVS → Camden CVS", "Day rate: £450.00 → £500.00", …] from a payload's
    `changes` (a {field: [old, new]} mapping; a plain list of field names gives just the labels)."""
    if not changes:
        return []
    if isinstance(changes, list | tuple):
        return [label_of(_field_for(model, str(name)), str(name)).capitalize() + " changed" for name in changes]
    lines = []
    for attname, pair in changes.items():
        field = _field_for(model, attname)
        try:
            old, new = pair
        except (TypeError, ValueError):
            old, new = None, pair
        label = label_of(field, attname).capitalize()
        lines.append(f"{label}: {value_words(field, old)} → {value_words(field, new)}")
    return lines


def model_for(label_lower: str) -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model(label_lower)
    except (LookupError, ValueError):
        return None


def describe_event(event: Any) -> list[str]:
    """What an audit event changed, in plain words (empty when it recorded no changes)."""
    payload = event.payload or {}
    changes = payload.get("changes") or payload.get("changed")
    return describe_changes(model_for(event.object_type), changes)


def state_words(object_type: str, value: str) -> str:
    """A state code of an audited object as its label ("closing_review" → "Closing review")."""
    if not value:
        return ""
    model = model_for(object_type)
    field = _field_for(model, "state") if model is not None else None
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value.replace("_", " ").capitalize()


def action_words(action: str) -> str:
    return action.replace("_", " ").capitalize()
