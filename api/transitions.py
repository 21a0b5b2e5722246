"""Transitions as API actions, asking the same state machines and rules as the web pages.

Each object lists `transitions`: the moves the caller may make now (core.workflow.available_transitions).
`POST …/transitions/<name>/` performs one through the app's workflow function that makes that move
for the pages too (`casework.workflow.perform`, `peerreview.workflow.perform_review_move`, …): it
knows which moves have an operation of their own, and calls core.workflow.transition (the same
lock, permission, guards, reason and audit event). A resource only passes on the request body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import ErrorSerializer, TransitionRefused
from core.workflow import TransitionNotAllowed, available_transitions, may, unmet_guards

# (obj, by, validated body) -> the moved object
Operation = Callable[[Any, Any, dict[str, Any]], Any]


class TransitionSerializer(serializers.Serializer):
    """One move the caller may make now."""

    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    reason_required = serializers.BooleanField()
    url = serializers.CharField()


@extend_schema_serializer(component_name="Move")
class TransitionRequestSerializer(serializers.Serializer):
    """The body of `POST …/transitions/<name>/`. Only `reason` (where the move requires one) and the
    fields a particular move documents are read; the rest are ignored."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    expected_state = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="The state you last saw. If the object has moved on since, the answer is 409 concurrent_change.",
    )
    declaration = serializers.BooleanField(
        required=False, default=False, help_text="assignment accept: the reviewer signs the declaration."
    )
    signposting = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", help_text="case decline/withdraw."
    )
    kind = serializers.CharField(
        required=False, allow_blank=True, max_length=40, default="", help_text="case escalate."
    )
    until = serializers.DateField(required=False, allow_null=True, default=None, help_text="case hold.")
    visibility = serializers.ChoiceField(
        choices=["private", "funders", "public"], required=False, default="private", help_text="review publish."
    )
    shared_with = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
        max_length=50,
        help_text="review publish: funder organisation ids (each must have the organisation's consent).",
    )
    grounds = serializers.ChoiceField(
        choices=["process", "fact"],
        required=False,
        allow_blank=True,
        default="",
        help_text="review appeal: grounds of process or fact (the reason is the appeal, up to 500 words).",
    )
    practitioner = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="closure go_insolvent."
    )
    clawback_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="grant claw_back: the amount to recover.",
    )
    paid_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="tranche release (default: today)."
    )


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
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        moved = perform(obj, name, lambda o, by, data: self.move(o, name, by, data), request.user, body.validated_data)
        serializer = self.get_serializer(moved)  # type: ignore[attr-defined]
        return Response(serializer.data)


__all__ = ["TransitionsMixin", "TransitionsField", "transitions_for", "perform", "may"]
