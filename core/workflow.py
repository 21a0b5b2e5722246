"""The one way any state changes: `transition(obj, "name", by=user, ...)`.

App workflow functions (`<app>/workflow.py`) call this for the move itself and add their own
related rows and mail around it. Everything here happens in one database transaction:

1. lock the row (`select_for_update`) and refuse if someone else moved it first;
2. check the move exists from the current state (the FSM's `source`);
3. check the person may make it (the transition's `permission`, i.e. rules; django-fsm-2 itself
   never enforces it);
4. check its guards (`conditions`), naming the first unmet one;
   (a refusal names the rule in the transition's `custom={"refusal": "…"}` where it has one);
5. require a reason where the transition says `custom={"reason_required": True}`;
6. run the transition, save with the transition's name as the history reason and the actor as
   the history user, and append an AuditEvent (from, to, actor, role, reason, changed fields);
7. send `moved` (sender: the model; obj, name, source, target, by), still inside the transaction,
   so an app can queue the notices a move causes in the outbox with it (casework.notices).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string
from django_fsm import ConcurrentTransition, Transition, TransitionNotAllowed

from core import audit
from core.types import User

__all__ = [
    "ConcurrentTransition",
    "TransitionNotAllowed",
    "AvailableTransition",
    "transition",
    "available_transitions",
    "inputs_of",
    "input_names",
    "move_form",
    "moves_with_inputs",
    "move_inputs",
    "blocked_transitions",
    "snapshot",
    "changes",
    "moved",
    "require",
    "save_with_history",
    "RowErrors",
    "check_rows",
]

M = TypeVar("M", bound=models.Model)

# Sent after every move, inside its transaction: sender=model, obj, name, source, target, by.
moved = Signal()

FASTER_MESSAGE = "Somebody else changed this a moment ago. Check its current state and try again."


@dataclass(frozen=True)
class AvailableTransition:
    name: str
    label: str
    target: str
    reason_required: bool
    style: str  # "primary", "secondary" or "warning": how the button looks
    form: str = ""  # the URL name of the move's own form page, when its inputs are more than a reason
    inputs: Any = None  # the form class of the move's inputs besides the reason (custom={"inputs": …})
    obj: Any = dataclasses.field(default=None, compare=False, repr=False)  # the object it moves

    def input_form(self) -> Any:
        """An empty form of the move's own inputs for a page to render beside the reason (None without)."""
        return self.inputs(obj=self.obj, move=self.name) if self.inputs else None


def _meta(obj: models.Model | type[models.Model], name: str) -> Any:
    model = obj if isinstance(obj, type) else type(obj)
    method = getattr(model, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        raise ValueError(f"{model.__name__} has no transition called {name!r}.")
    return meta


def inputs_of(t: Transition) -> Any:
    """The form class that is the spec of a move's inputs besides the reason, named by the
    transition's `custom={"inputs": "app.forms.SomeForm"}` (a dotted path: models never import
    forms); None for a move that reads only a reason."""
    path = t.custom.get("inputs")
    return import_string(path) if path else None


def _refused(t: Transition) -> PermissionDenied:
    return PermissionDenied(t.custom.get("refusal") or f"You may not {move_label(t).lower()} this.")


def _move_here(obj: models.Model | type[models.Model], name: str) -> tuple[Transition, bool]:
    """Move `name` as it is made from the object's state (True), or else as declared (False)."""
    meta = _meta(obj, name)
    if isinstance(obj, models.Model):
        state = meta.field.get_state(obj)
        if meta.has_transition(state):
            return meta.get_transition(state), True
    return next(iter(meta.transitions.values())), False


def moves_with_inputs() -> list[tuple[type[models.Model], str, Any]]:
    """Every move whose transition names an inputs form, as (model, move name, form class), in the
    order the apps and their models are declared: the registry the API documents its body from."""
    found = []
    for model in apps.get_models():
        seen = set()
        for klass in model.__mro__:
            for name, value in vars(klass).items():
                meta = getattr(value, "_django_fsm", None)
                if meta is None or name in seen:
                    continue
                seen.add(name)
                form_class = inputs_of(next(iter(meta.transitions.values())))
                if form_class is not None:
                    found.append((model, name, form_class))
    return found


def move_form(obj: models.Model | type[models.Model], name: str) -> Any:
    """The form class of move `name`'s inputs besides the reason (None when it reads only a reason)."""
    return inputs_of(_move_here(obj, name)[0])


def input_names(obj: models.Model | type[models.Model], name: str) -> tuple[str, ...]:
    """The names of the inputs move `name` reads besides the reason (its inputs form's fields)."""
    form_class = move_form(obj, name)
    return tuple(form_class.base_fields) if form_class else ()


def move_inputs(obj: models.Model, name: str, data: Mapping[str, Any], *, by: User) -> dict[str, Any]:
    """The inputs move `name` reads besides the reason, taken from `data` (a page's POST, an API
    body) and checked by the move's form (`inputs_of`): its cleaned data, {} for a move without
    inputs. A person who may not make the move from here hears that first (PermissionDenied); bad
    input raises ValidationError naming each field. The operation still holds every rule."""
    t, from_here = _move_here(obj, name)
    form_class = inputs_of(t)
    if form_class is None:
        return {}
    if from_here and not may(t, obj, by):
        raise _refused(t)
    form = form_class(data, obj=obj, move=name)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return dict(form.cleaned_data)


def move_label(t: Transition) -> str:
    return t.custom.get("label") or t.name.replace("_", " ").capitalize()


def _describe_guard(condition: Any) -> str:
    doc = (getattr(condition, "__doc__", None) or "").strip().split("\n\n")[0]
    text = " ".join(line.strip() for line in doc.splitlines())
    return text.rstrip(".") if text else condition.__name__.replace("_", " ")


def _as_clause(guard: str) -> str:
    """A guard's first line as the end of a sentence ("The case is open" → "the case is open"),
    keeping capitals that start a name or an acronym ("HMRC has …"). A one-letter first word is
    the article ("A candidate is chosen" → "a candidate is chosen")."""
    first_word = guard.split(" ", 1)[0]
    if len(first_word) > 1 and not first_word[1].islower():
        return guard
    return guard[:1].lower() + guard[1:]


def moved_message(obj: models.Model, name: str, user: User, field_name: str = "state") -> str:
    """The confirmation after a move: what happened, in the move's words, the new state, and what
    the person can do next (or that it now waits for someone else)."""
    t = next((t for t in getattr(obj, f"get_all_{field_name}_transitions")() if t.name == name), None)
    label = move_label(t) if t is not None else name.replace("_", " ").capitalize()
    field = obj._meta.get_field(field_name)
    choices = field.choices if isinstance(field, models.Field) else None
    state = getattr(obj, field_name)
    state_text = str(dict(choices or []).get(state, state)).lower()
    noun = obj._meta.verbose_name
    text = f"“{label}” is done: the {noun} is now {state_text}."
    following = [m.label for m in available_transitions(obj, user, field_name)]
    if following:
        return f"{text} Next you can: {'; '.join(following)}."
    return f"{text} Nothing more is needed from you at this stage."


def may(t: Transition, obj: models.Model, user: User) -> bool:
    """Whether `user` holds the transition's permission *on this object*.

    django-fsm-2's Transition.has_perm falls back to the permission without an object, which
    would let a rule like "hub staff and not on this panel" pass for everyone on the hub, so the
    object-level answer is the only one asked here.
    """
    if not t.permission:
        return True
    if callable(t.permission):
        return bool(t.permission(obj, user))
    return bool(user.has_perm(t.permission, obj))


def unmet_guards(obj: models.Model, t: Transition) -> list[str]:
    return [_describe_guard(c) for c in t.conditions if not c(obj)]


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Concrete field values by attribute name, for the audit payload's "what changed"."""
    return {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}


def changes(
    before: dict[str, Any], after: dict[str, Any], ignore: frozenset[str] | set[str] = frozenset({"updated_at"})
) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that differ between two `snapshot`s: an audit payload's
    "what changed", which `core.words.describe_changes` puts in plain words."""
    return {k: [before.get(k), after[k]] for k in after if k not in ignore and before.get(k) != after[k]}


_changes = changes


class RowErrors(ValidationError):
    """A save of many rows refused as a whole: nothing was written. Every message names its row
    ("Indicator 1.1.2: Choose a level…") and sits under "<rows>.<position>.<field>", the path into
    the rows sent, so the API answers at the row's own field. `rows` keeps each bad row's own
    error by position, for a page to show on that row's form."""

    def __init__(self, what: str, problems: list[tuple[int, str, ValidationError]]) -> None:
        self.rows = {index: error for index, _, error in problems}
        named: dict[str, list[str]] = {}
        for index, label, error in problems:
            by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            for field, messages in by_field.items():
                key = f"{what}.{index}" if field == "__all__" else f"{what}.{index}.{field}"
                named.setdefault(key, []).extend(f"{label}: {message}" for message in messages)
        super().__init__(named)


def check_rows(what: str, rows: Iterable[Any], *, label: Any, check: Any) -> list[Any]:
    """Check every row of a multi-row save before anything is written: `check(row)` returns the
    cleaned row or raises ValidationError; `label(row)` names the row in plain words. Raises
    RowErrors naming every bad row, so a submission with one bad row changes nothing."""
    cleaned, problems = [], []
    for index, row in enumerate(rows):
        try:
            cleaned.append(check(row))
        except ValidationError as error:
            problems.append((index, label(row), error))
    if problems:
        raise RowErrors(what, problems)
    return cleaned


def transition(
    obj: M,
    name: str,
    *,
    by: User,
    reason: str = "",
    role: str = "",
    **kwargs: Any,
) -> M:
    """Perform transition `name` on `obj` as `by`; return the saved, fresh instance.

    Raises PermissionDenied, TransitionNotAllowed (with a plain-English message), ValidationError
    (missing reason) or ConcurrentTransition (someone else moved it first). Nothing is written
    unless everything succeeds.
    """
    meta = _meta(obj, name)
    field = meta.field
    model = type(obj)
    reason = (reason or "").strip()
    with transaction.atomic():
        current = model._default_manager.select_for_update().get(pk=obj.pk)
        source = field.get_state(current)
        if source != field.get_state(obj):
            raise ConcurrentTransition(FASTER_MESSAGE)
        t = meta.get_transition(source) if meta.has_transition(source) else None
        if t is None:
            state_label = dict(field.choices).get(source, source) if field.choices else source
            raise TransitionNotAllowed(
                f"'{name.replace('_', ' ')}' is not possible while it is {state_label}.",
                object=current,
                method=getattr(current, name),
            )
        if not may(t, current, by):
            raise _refused(t)
        unmet = unmet_guards(current, t)
        if unmet:
            raise TransitionNotAllowed(
                f"{move_label(t)} cannot happen until " + "; and until ".join(_as_clause(u) for u in unmet) + ".",
                object=current,
                method=getattr(current, name),
            )
        if t.custom.get("reason_required") and not reason:
            raise ValidationError({"reason": "Give a reason for this decision."})
        before = snapshot(current)
        getattr(current, name)(**kwargs)
        current._history_user = by  # type: ignore[attr-defined]  # read by simple-history's save
        current._change_reason = name  # type: ignore[attr-defined]
        current.save()
        after = snapshot(current)
        role = role or _acting_role(current, by)
        audit.append(
            current,
            action=name,
            actor=by,
            role=role,
            reason=reason,
            source_state=str(source),
            target_state=str(field.get_state(current)),
            payload={"changes": _changes(before, after, ignore={field.attname, "updated_at"})},
        )
        moved.send(model, obj=current, name=name, source=source, target=field.get_state(current), by=by)
    return current


def require(user: User, perm: str, obj: Any = None, refusal: str = "") -> None:
    """Refuse unless `user` holds `perm` on `obj`; `refusal` names the rule in plain words."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(refusal) if refusal else PermissionDenied


def save_with_history(obj: models.Model, *, by: User | None, reason: str, clean: bool = False) -> None:
    """Save an edit that is not a move: the history row names who and why (`clean` validates first)."""
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]
    if clean:
        obj.full_clean()
    obj.save()


def _acting_role(obj: models.Model, user: User) -> str:
    role_of = getattr(obj, "acting_role", None)
    return role_of(user) if callable(role_of) else ""


def _describe(t: Transition, obj: models.Model | None = None) -> AvailableTransition:
    return AvailableTransition(
        name=t.name,
        label=move_label(t),
        target=str(t.target),
        reason_required=bool(t.custom.get("reason_required")),
        style=t.custom.get("style", "secondary"),
        form=t.custom.get("form", ""),
        inputs=inputs_of(t),
        obj=obj,
    )


def available_transitions(
    obj: models.Model, user: User, field_name: str = "state", names: Iterable[str] | None = None
) -> list[AvailableTransition]:
    """The moves `user` may make on `obj` now: what templates and the API render as actions.
    `names` narrows them to the moves a page shows, without evaluating the others' guards."""
    if names is None:
        method = getattr(obj, f"get_available_{field_name}_transitions")
        return [_describe(t, obj) for t in method() if may(t, obj, user)]
    wanted = set(names)
    current = getattr(obj, field_name)
    return [
        _describe(t, obj)
        for t in getattr(obj, f"get_all_{field_name}_transitions")()
        if t.name in wanted
        and (t.source in (current, "*") or (t.source == "+" and t.target != current))
        and all(c(obj) for c in t.conditions)
        and may(t, obj, user)
    ]


def blocked_transitions(
    obj: models.Model, user: User, field_name: str = "state"
) -> list[tuple[AvailableTransition, list[str]]]:
    """Moves `user` could make from this state but whose guards are unmet, with the unmet guards:
    pages show them as "not possible yet, because …" instead of hiding them."""
    current = getattr(obj, field_name)
    blocked = []
    for t in getattr(obj, f"get_all_{field_name}_transitions")():
        if t.source not in (current, "*", "+") or not may(t, obj, user):
            continue
        unmet = unmet_guards(obj, t)
        if unmet:
            blocked.append((_describe(t, obj), unmet))
    return blocked
