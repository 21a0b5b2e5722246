"""An orderly closure and its registers. Both hang off a confidential case: outside the case team,
the panel and administrators they do not exist (404), exactly as on the closure page.

Every write is one operation in casework/workflow.py: the closure's facts per part
(`update_closure`), its moves (`move_closure`), a register item's details (`save_item`), its moves
(`move_item`) and the compatibility review of a restricted fund's recipient (`mark_compatible`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.resources.base import AuthenticatedRequest, ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from casework import queries
from casework import workflow as cw
from casework.models import Closure, RegisterItem
from organisations.models import Organisation, User

VIEW = "casework.view_case"
WRITE = "casework.write_case"
CLOSURE_MOVES = tuple(t.name for t in Closure._meta.get_field("state").get_all_transitions(Closure))
# "revise" is made by changing an agreed item's destination (`save_item`), never asked for directly.
ITEM_MOVES = tuple(
    t.name
    for t in RegisterItem._meta.get_field("state").get_all_transitions(RegisterItem)
    if not t.custom.get("internal")
)
PARTS = tuple(cw.CLOSURE_FACTS)
ID: dict[str, Any] = {"min_value": 1, "max_value": 2**31 - 1}


class OutstandingSerializer(serializers.Serializer):
    register = serializers.CharField()
    count = serializers.IntegerField()


class ClosureSerializer(ModelSerializer):
    transitions = TransitionsField()
    outstanding = serializers.SerializerMethodField()

    class Meta:
        model = Closure
        fields = [*(f.name for f in Closure._meta.concrete_fields), "outstanding", "transitions"]
        read_only_fields = fields

    @extend_schema_field(OutstandingSerializer(many=True))
    def get_outstanding(self, closure: Closure) -> list[dict[str, Any]]:
        """Register items still without a completed destination or an approved reason, counted by register."""
        return [{"register": label, "count": n} for label, n in closure.outstanding_counts()]


class ClosureFactsSerializer(serializers.Serializer):
    """The closure's facts. Send only those of the part in the address; each part may be changed
    only at its own stages (decision: before the decision; winding down; filing)."""

    options_note = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    balance_sheet_solvent = serializers.BooleanField(required=False, allow_null=True)
    cash_flow_solvent = serializers.BooleanField(required=False, allow_null=True)
    solvency_tested_on = serializers.DateField(required=False, allow_null=True)
    dissolution_clause = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    trustee_resolution_on = serializers.DateField(required=False, allow_null=True)
    members_resolution_required = serializers.BooleanField(required=False)
    members_resolution_on = serializers.DateField(required=False, allow_null=True)
    staff_timeline = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    collective_consultation = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    creditors_declaration_on = serializers.DateField(required=False, allow_null=True)
    safeguarding_handover = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    data_disposition = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    records_custodian = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_trading_on = serializers.DateField(required=False, allow_null=True)
    final_accounts_approved_on = serializers.DateField(required=False, allow_null=True)
    dissolution_reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    dissolution_filed_on = serializers.DateField(required=False, allow_null=True)
    redundancies_proposed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100000)
    redundancies_proposed_on = serializers.DateField(required=False, allow_null=True)
    hr1_sent_on = serializers.DateField(required=False, allow_null=True)
    no_other_activities = serializers.BooleanField(required=False)
    no_pending_proceedings = serializers.BooleanField(required=False)
    parties_notified_on = serializers.DateField(required=False, allow_null=True)
    gazette_notice_on = serializers.DateField(required=False, allow_null=True)
    dissolved_on = serializers.DateField(required=False, allow_null=True)
    insolvency_procedure = serializers.ChoiceField(choices=Closure.Procedure.choices, required=False, allow_blank=True)
    insolvency_practitioner = serializers.CharField(required=False, allow_blank=True, max_length=200)
    practitioner_licence = serializers.CharField(required=False, allow_blank=True, max_length=50)
    practitioner_appointed_on = serializers.DateField(required=False, allow_null=True)
    trustees_exposure = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    advice_taken_on = serializers.DateField(required=False, allow_null=True)


class RegisterItemSerializer(ModelSerializer):
    transitions = TransitionsField()
    problems = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What is missing before its destination can be agreed.",
    )

    class Meta:
        model = RegisterItem
        fields = [
            "id",
            "closure",
            "register",
            "kind",
            "name",
            "detail",
            "value",
            "owner",
            "due_on",
            "state",
            "outcome",
            "destination",
            "destination_note",
            "go_live_on",
            "completed_on",
            "reference",
            "funder",
            "compatibility_reviewed_by",
            "compatibility_note",
            "funder_consent",
            "regulator_consent",
            "eli_sent_on",
            "transfer_on",
            "notice_on",
            "leaving_on",
            "na_reason",
            "na_requested_by",
            "na_approved_by",
            "problems",
            "transitions",
        ]
        read_only_fields = fields


class RegisterItemInputSerializer(serializers.Serializer):
    """A register item's details; on a change send only what changes (`register` is fixed once made)."""

    register = serializers.ChoiceField(choices=RegisterItem.Register.choices, required=False)
    kind = serializers.ChoiceField(choices=RegisterItem.Kind.choices, required=False)
    name = serializers.CharField(max_length=200, required=False)
    detail = serializers.CharField(allow_blank=True, max_length=10000, required=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, required=False)
    owner = serializers.IntegerField(**ID, allow_null=True, required=False, help_text="Someone on the case team.")
    due_on = serializers.DateField(allow_null=True, required=False)
    outcome = serializers.ChoiceField(choices=RegisterItem.Outcome.choices, allow_blank=True, required=False)
    destination = serializers.IntegerField(**ID, allow_null=True, required=False, help_text="An organisation.")
    destination_note = serializers.CharField(allow_blank=True, max_length=10000, required=False)
    go_live_on = serializers.DateField(allow_null=True, required=False)
    completed_on = serializers.DateField(allow_null=True, required=False)
    reference = serializers.CharField(allow_blank=True, max_length=200, required=False)
    funder = serializers.IntegerField(**ID, allow_null=True, required=False, help_text="A funder organisation.")
    funder_consent = serializers.CharField(allow_blank=True, max_length=200, required=False)
    regulator_consent = serializers.CharField(allow_blank=True, max_length=200, required=False)
    release_resolution_on = serializers.DateField(allow_null=True, required=False)
    eli_sent_on = serializers.DateField(allow_null=True, required=False)
    transfer_on = serializers.DateField(allow_null=True, required=False)
    eli_late_reason = serializers.CharField(allow_blank=True, max_length=10000, required=False)
    notice_on = serializers.DateField(allow_null=True, required=False)
    leaving_on = serializers.DateField(allow_null=True, required=False)


class CompatibilitySerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10000)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _item_fields(closure: Closure, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the body as the rows save_item takes: the owner from the case team, organisations by id."""
    case = closure.case
    team = User.objects.filter(pk__in=[case.owner_id, *case.team.values_list("pk", flat=True)])
    lookups = {"owner": team, "destination": Organisation.objects.all(), "funder": Organisation.objects.all()}
    for field, queryset in lookups.items():
        if data.get(field) is not None:
            found = queryset.filter(pk=data[field]).first()
            if found is None:
                raise ValidationError({field: [f"Unknown id {data[field]}, or not someone on the case team."]})
            data[field] = found
    return data


@extend_schema_view(transition=transition_schema(ClosureSerializer, CLOSURE_MOVES))
class ClosureViewSet(TransitionsMixin, VisibleViewSet):
    """Orderly closures. Moves: decide → plan → wind_down (the panel) → finish_winding_down → file →
    dissolve (the panel) → after_closure, or go_insolvent (with `reason` and `practitioner`)."""

    serializer_class = ClosureSerializer
    view_perm = VIEW
    filterset_fields = ["state", "case"]
    ordering_fields = ["created_at", "state"]
    ordering = ["-created_at"]
    transition_names = CLOSURE_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return cw.move_closure(obj, name, by=by, reason=data["reason"], **data["inputs"])

    def visible(self, user: Any) -> QuerySet[Closure]:
        return Closure.objects.filter(case__in=queries.cases_visible_to(user)).select_related("case")

    def objects(self) -> QuerySet[Closure]:
        return Closure.objects.select_related("case__organisation")

    def _answer(self, closure: Closure, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.objects().get(pk=closure.pk)
        return Response(ClosureSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=ClosureFactsSerializer,
        responses=ClosureSerializer,
        parameters=[OpenApiParameter("part", str, OpenApiParameter.PATH, enum=list(PARTS))],
    )
    @action(detail=True, methods=["put"], url_path=r"facts/(?P<part>[a-z_]+)", url_name="facts")
    def facts(self, request: AuthenticatedRequest, pk: Any = None, part: str = "") -> Response:
        """Record the closure's facts for one part: decision, winding_down, filing, solvency (a re-test at any
        stage after the decision) or insolvency (on the insolvent route) (the case team)."""
        if part not in PARTS:
            raise NotFound(f"There is no part called {part!r}.")
        closure = self.get_object()
        self.require(WRITE, closure)
        data = _body(ClosureFactsSerializer, request)
        return self._answer(cw.update_closure(closure, by=request.user, part=part, **data))

    @extend_schema(methods=["get"], responses=RegisterItemSerializer(many=True))
    @extend_schema(methods=["post"], request=RegisterItemInputSerializer, responses={201: RegisterItemSerializer})
    @action(detail=True, methods=["get", "post"])
    def items(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The registers. POST adds an item (the case team, between the decision and the final accounts)."""
        closure = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = list(closure.items.all())
            for row in rows:
                row.closure = closure
            return Response(RegisterItemSerializer(rows, many=True, context=context).data)
        self.require(WRITE, closure)
        data = _item_fields(closure, _body(RegisterItemInputSerializer, request))
        item = cw.save_item(closure, by=request.user, **data)
        return Response(RegisterItemSerializer(item, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    transition=transition_schema(RegisterItemSerializer, ITEM_MOVES),
    partial_update=extend_schema(request=RegisterItemInputSerializer, responses=RegisterItemSerializer),
)
class RegisterItemViewSet(TransitionsMixin, VisibleViewSet):
    """One register item. PATCH changes it until it is settled; moves: agree, complete (the bank account
    last), ask_not_applicable (with `reason`), approve_not_applicable / refuse_not_applicable (someone else)."""

    serializer_class = RegisterItemSerializer
    view_perm = VIEW
    filterset_fields = ["closure", "register", "state"]
    ordering_fields = ["register", "created_at"]
    ordering = ["closure", "register", "pk"]
    transition_names = ITEM_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return cw.move_item(obj, name, by=by, reason=data["reason"])

    def visible(self, user: Any) -> QuerySet[RegisterItem]:
        return RegisterItem.objects.filter(closure__case__in=queries.cases_visible_to(user)).select_related(
            "closure__case"
        )

    def objects(self) -> QuerySet[RegisterItem]:
        return RegisterItem.objects.select_related("closure__case__organisation")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the item's details (the case team, while proposed or agreed)."""
        item = self.get_object()
        self.require(WRITE, item)
        data = _item_fields(item.closure, _body(RegisterItemInputSerializer, request))
        if data.get("register", item.register) != item.register:
            raise ValidationError({"register": ["The register is fixed once the item is made."]})
        item = cw.save_item(item.closure, by=request.user, item=item, **data)
        return Response(self.get_serializer(self.objects().get(pk=item.pk)).data)

    @extend_schema(request=CompatibilitySerializer, responses=RegisterItemSerializer)
    @action(detail=True, methods=["post"])
    def compatible(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Record that the recipient's purposes are compatible with a restricted fund's (the team or the panel)."""
        item = self.get_object()
        self.require("casework.review_purposes", item)
        item = cw.mark_compatible(item, by=request.user, **_body(CompatibilitySerializer, request))
        return Response(self.get_serializer(self.objects().get(pk=item.pk)).data)
