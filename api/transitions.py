"""Transitions as API actions, asking the same state machines and rules as the web pages.

Each object lists `transitions`: the moves the caller may make now (core.workflow.available_transitions).
`POST …/transitions/<name>/` performs one through the app's workflow function that makes that move
for the pages too (`casework.workflow.perform`, `peerreview.workflow.perform_review_move`, …): it
knows which moves have an operation of their own, and calls core.workflow.transition (the same
lock, permission, guards, reason and audit event). A move's inputs besides the reason are checked
by the move's own form, the one its page renders (`custom={"inputs": …}` on the transition), and
the documented body is generated from those forms. A resource only passes the inputs on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import ErrorSerializer, TransitionRefused
from core.workflow import (
    TransitionNotAllowed,
    available_transitions,
    may,
    move_form,
    move_inputs,
    moves_with_inputs,
    unmet_guards,
)

# (obj, by, validated body) -> the moved object
Operation = Callable[[Any, Any, dict[str, Any]], Any]


class TransitionSerializer(serializers.Serializer):
    """One move the caller may make now."""

    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    reason_required = serializers.BooleanField()
    url = serializers.CharField()


class MoveBodySerializer(serializers.Serializer):
    """What every move's body may carry: the reason, and the state the caller last saw."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    expected_state = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="The state you last saw. If the object has moved on since, the answer is 409 concurrent_change.",
    )


def _api_field(key: str, field: forms.Field, where: str) -> serializers.Field:
    """How the schema shows one input of a move's form (the form itself checks what is sent)."""
    label = field.label or key.replace("_", " ").capitalize()
    words = " ".join(str(text).rstrip(".") + "." for text in (label, field.help_text) if text)
    common: dict[str, Any] = {"required": False, "help_text": f"{where}: {words}"}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(default=False, **common)
    if isinstance(field, forms.ModelMultipleChoiceField):
        common["help_text"] = f"{where}: ids. {words}"
        child = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        return serializers.ListField(child=child, default=list, max_length=50, **common)
    if isinstance(field, forms.ChoiceField):
        initial = field.initial or ""
        return serializers.ChoiceField(choices=field.choices, allow_blank=not initial, default=initial, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=True, default=None, **common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits, decimal_places=field.decimal_places, allow_null=True, default=None, **common
        )
    if isinstance(field, forms.CharField):
        return serializers.CharField(allow_blank=True, max_length=field.max_length, default="", **common)
    raise TypeError(f"{type(field).__name__} has no API field yet: add it to api.transitions._api_field.")


def _input_fields() -> dict[str, serializers.Field]:
    """One optional body field per input of the moves' forms (`custom={"inputs": …}`), saying which
    moves read it: generated, so the documented body cannot drift from what the moves read."""
    forms_of: dict[str, list[tuple[str, forms.Field]]] = {}
    for model, name, form_class in moves_with_inputs():
        for key, field in form_class.base_fields.items():
            forms_of.setdefault(key, []).append((f"{model._meta.model_name} {name}", field))
    fields = {}
    for key, uses in forms_of.items():
        kinds = {type(field) for _, field in uses}
        if len(kinds) > 1:
            raise TypeError(f"The moves' input {key!r} is of more than one type: {sorted(k.__name__ for k in kinds)}.")
        fields[key] = _api_field(key, uses[0][1], ", ".join(where for where, _ in uses))
    return fields


# The documented body: the common fields and, generated from the moves' own forms, their inputs.
TransitionRequestSerializer = extend_schema_serializer(component_name="Move")(
    type(
        "TransitionRequestSerializer",
        (MoveBodySerializer,),
        {
            "__doc__": "The body of `POST …/transitions/<name>/`. Only `reason` (where the move requires one) and\n"
            "the inputs the move reads (each field says which moves) are read; the rest are ignored.",
            "__module__": __name__,
            **_input_fields(),
        },
    )
)


def api_inputs(obj: models.Model, name: str, data: Any, by: Any) -> dict[str, Any]:
    """Move `name`'s inputs from an API body, checked by the move's own form, as the pages check
    them: an input left out takes its field's initial value (publishing is private unless said)."""
    form_class = move_form(obj, name)
    if form_class is None:
        return {}
    sent = data.copy() if hasattr(data, "copy") else dict(data)
    for key, field in form_class.base_fields.items():
        if key not in sent and field.initial is not None and not callable(field.initial):
            sent[key] = field.initial
    return move_inputs(obj, name, sent, by=by)


def transition_url(obj: models.Model, name: str) -> str:
    return reverse(f"api:{type(obj)._meta.model_name}-transition", args=[obj.pk, name])


def transitions_for(obj: models.Model, user: Any, allowed: set[str] | None = None) -> list[dict[str, Any]]:
    """The moves `user` may make on `obj` now, as the API shows them."""
    return [
        {
            "name": t.name,
            "label": t.label,
            "target": t.target,
            "reason_required": t.reason_required,
            "url": transition_url(obj, t.name),
        }
        for t in available_transitions(obj, user)
        if allowed is None or t.name in allowed
    ]


@extend_schema_field(TransitionSerializer(many=True))
class TransitionsField(serializers.Field):
    """`transitions`: what the requesting person may do with this object now."""

    def __init__(self, allowed: set[str] | None = None, **kwargs: Any) -> None:
        self.allowed = allowed
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[dict[str, Any]]:
        return transitions_for(value, self.context["request"].user, self.allowed)


def _refusal(obj: models.Model, name: str, error: TransitionNotAllowed) -> TransitionRefused:
    """Name the unmet guards when the move exists from this state."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    meta = getattr(type(obj), name)._django_fsm
    state = meta.field.get_state(fresh)
    t = meta.get_transition(state) if meta.has_transition(state) else None
    guards = unmet_guards(fresh, t) if t is not None else []
    return TransitionRefused(str(error), code="guard_unmet" if guards else "transition_not_allowed", guards=guards)


def perform(obj: models.Model, name: str, operation: Operation, by: Any, data: dict[str, Any]) -> Any:
    """Run `operation` (which makes move `name`), refusing a stale view of the object and naming unmet guards."""
    state = type(obj)._meta.get_field("state").value_from_object(obj)
    if data.get("expected_state") and data["expected_state"] != state:
        raise TransitionRefused(
            f"It is now {state}, not {data['expected_state']}: somebody else changed it.", code="concurrent_change"
        )
    try:
        return operation(obj, by, data)
    except TransitionNotAllowed as error:
        raise _refusal(obj, name, error) from None


def transition_schema(serializer: Any, names: tuple[str, ...]) -> Any:
    """The OpenAPI description of a resource's transition action."""
    return extend_schema(
        summary="Perform a transition",
        request=TransitionRequestSerializer,
        parameters=[
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                # one entry per move: a move reachable from several states is listed once
                enum=sorted(set(names)),
                description="The transition's name.",
            )
        ],
        responses={
            200: serializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )


class TransitionsMixin:
    """Adds `POST <detail>/transitions/<name>/` to a viewset; `move()` hands the move and the body to
    the app's workflow function for it."""

    transition_names: tuple[str, ...] = ()

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        """Make move `name` through the app's workflow (which picks the operation)."""
        raise NotImplementedError

    def knows(self, obj: models.Model, name: str) -> bool:
        known = {t.name for t in obj.get_all_state_transitions()}  # type: ignore[attr-defined]
        return name in known and name in self.transition_names

    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", url_name="transition")
    def transition(self, request: Request, pk: Any = None, name: str = "") -> Response:
        """Perform one transition (see the object's `transitions` for those you may make now)."""
        obj = self.get_object()  # type: ignore[attr-defined]
        if not self.knows(obj, name):
            raise exceptions.NotFound(f"There is no transition called {name!r} here.")
        body = MoveBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)

        def operation(o: Any, by: Any, data: dict[str, Any]) -> Any:
            # the move's own inputs, checked by its form (as on the pages), once the state is as expected
            return self.move(o, name, by, {**data, "inputs": api_inputs(o, name, request.data, by)})

        moved = perform(obj, name, operation, request.user, body.validated_data)
        serializer = self.get_serializer(moved)  # type: ignore[attr-defined]
        return Response(serializer.data)


__all__ = ["TransitionsMixin", "TransitionsField", "transitions_for", "perform", "may"]
