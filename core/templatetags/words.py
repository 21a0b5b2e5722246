"""Words for people, in every template (registered as builtins in config/settings.py): money in
pounds, and states, roles and moves by their labels rather than their codes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()
MINUS = "\u2212"  # a real minus sign, read as "minus" by screen readers


@register.filter
def tag_colour(obj: Any) -> str:
    """The GOV.UK tag colour of an object's state, from its model's `TAG_COLOURS` (blue otherwise)."""
    return str(getattr(obj, "TAG_COLOURS", {}).get(obj.state, "blue"))


@register.filter
def pounds(value: Any, pence: str = "auto") -> str:
    """£4,500 · £4,500.50 · −£40,000. Pence show when there are any (or always with "pence",
    never with "whole"). Blank for None or for anything that is not a number."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    sign = MINUS if amount < 0 else ""
    amount = abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = pence == "whole" or (pence == "auto" and amount == amount.to_integral_value())
    text = f"{amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}" if whole else f"{amount:,.2f}"
    return f"{sign}£{text}"


@register.filter
def money(value: Any) -> str:
    """Money with its pence, for registers and ledgers (£4,500.00, −£20.00); "—" for nothing."""
    return pounds(value, "pence") or "—"


@cache
def _roles() -> dict[str, str]:
    labels = dict(apps.get_model("organisations", "Membership").Role.choices)
    labels.update({"system": "the system", "team": "the case team", "caseworker": "Lifeboat caseworker"})
    return labels


@register.filter
def role_label(code: str) -> str:
    """A role code as people say it ("panel_member" → "Lifeboat panel member")."""
    if not code:
        return ""
    return _roles().get(code, code.replace("_", " ").capitalize())


@cache
def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def state_label(object_type: str, code: str) -> str:
    """A state code of `object_type` ("casework.case") by its label ("Awaiting the panel's decision")."""
    model = _model(object_type)
    try:
        choices = dict(model._meta.get_field("state").choices) if model is not None else {}
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(code, code.replace("_", " ").capitalize()))


def action_label(object_type: str, action: str) -> str:
    """A recorded action by the words of its move ("submit_triage" → "Send to the panel")."""
    model = _model(object_type)
    method = getattr(model, action, None) if model is not None else None
    meta = getattr(method, "_django_fsm", None)
    if meta is not None:
        for move in meta.transitions.values():
            label = move.custom.get("label")
            if label:
                return str(label)
    return action.replace("_", " ").capitalize()


@register.filter
def event_words(event: Any) -> str:
    """An audit event as a phrase: "Send to the panel: Triage → Awaiting the panel's decision"."""
    what = action_label(event.object_type, event.action)
    if event.source_state or event.target_state:
        before = state_label(event.object_type, event.source_state)
        after = state_label(event.object_type, event.target_state)
        return f"{what}: {before} → {after}"
    return what


@register.filter
def state_words(code: str, object_type: str) -> str:
    """`{{ code|state_words:"casework.case" }}`."""
    return state_label(object_type, code)
