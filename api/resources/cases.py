"""Lifeboat referrals and cases. Confidential: outside the case team, the panel and administrators,
a case does not exist (404 for one case, absent from lists), exactly as on the web pages.

Things that belong to a case are nested under it (`/cases/{id}/notes/`). To add another register
(tasks, milestones, grants, closure registers…), add a serializer and one `@action` like `notes`,
calling that register's operation in casework/workflow.py; loading the case through
`self._case(perm)` gives it the same 404/403 rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.resources.base import ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from casework import queries
from casework import workflow as cw
from casework.models import Case, CaseNote, HealthCheck, PathwayChange, Referral
from organisations.models import Organisation

VIEW = "casework.view_case"
CASE_MOVES = tuple(t.name for t in Case._meta.get_field("state").get_all_transitions(Case))


class ReferralSerializer(ModelSerializer):
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ["id", "organisation", "source", "source_reference", "concerns", "referred_by", "created_at", "case"]
        read_only_fields = fields

    def get_case(self, referral: Referral) -> int | None:
        case = getattr(referral, "case", None)
        return case.pk if case is not None else None


class ReferralCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    source = serializers.ChoiceField(choices=Referral.Source.choices)
    concerns = serializers.CharField(max_length=10000)


class HealthCheckSerializer(ModelSerializer):
    risk = serializers.SerializerMethodField()
    recommended_pathway = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    reserves_months = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True, allow_null=True)
    runway_weeks = serializers.IntegerField(read_only=True)

    class Meta:
        model = HealthCheck
        exclude = ["id", "case", "created_at", "updated_at"]

    def get_risk(self, check: HealthCheck) -> str:
        return check.assess()[0]

    def get_recommended_pathway(self, check: HealthCheck) -> str:
        return check.assess()[1]

    def get_reasons(self, check: HealthCheck) -> list[str]:
        return check.assess()[2]


class PathwayChangeSerializer(ModelSerializer):
    class Meta:
        model = PathwayChange
        fields = ["from_pathway", "to_pathway", "reason", "approved_by", "changed_at"]


class CaseSerializer(ModelSerializer):
    transitions = TransitionsField()
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "referral",
            "organisation",
            "owner",
            "team",
            "state",
            "pathway",
            "identity_confirmed",
            "latest_accounts_on",
            "triaged_by",
            "board_consent_on",
            "decided_by",
            "held_until",
            "escalation",
            "signposting",
            "outcome",
            "outcome_note",
            "closed_at",
            "created_at",
            "updated_at",
            "transitions",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    health_check = HealthCheckSerializer(read_only=True, allow_null=True)
    pathway_changes = PathwayChangeSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "health_check", "pathway_changes"]
        read_only_fields = fields


class CaseNoteSerializer(ModelSerializer):
    class Meta:
        model = CaseNote
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"text": {"max_length": 20000}}


def _organisation(pk: int) -> Organisation:
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({"organisation": [f"Unknown id {pk}."]})
    return found


@extend_schema_view(create=extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer}))
class ReferralViewSet(mixins.CreateModelMixin, VisibleViewSet):
    """Lifeboat referrals. POST records one (caseworkers); `…/open/` opens its case."""

    serializer_class = ReferralSerializer
    view_perm = "casework.view_referral"
    filterset_fields = ["source", "organisation"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def visible(self, user: Any) -> QuerySet[Referral]:
        """Referrals still waiting for a case (the same list as the lifeboat page)."""
        return queries.referrals_waiting(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require("casework.add_case")
        body = ReferralCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        referral = cw.refer_organisation(
            _organisation(data["organisation"]),
            by=request.user,
            source=data["source"],
            concerns=data["concerns"],
            role="caseworker",
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: CaseSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: Any = None) -> Response:
        """Open a case for this referral; the caseworker who opens it owns it."""
        referral = self.get_object()
        self.require("casework.add_case", referral)
        case = cw.open_case(referral, by=request.user)
        return Response(
            CaseSerializer(case, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(transition=transition_schema(CaseDetailSerializer, CASE_MOVES))
class CaseViewSet(TransitionsMixin, VisibleViewSet):
    """Lifeboat cases and their lifecycle. Decline and withdraw need `signposting`; escalate takes `kind`."""

    view_perm = VIEW
    filterset_fields = ["state", "pathway", "organisation", "outcome"]
    ordering_fields = ["created_at", "state"]
    ordering = ["-created_at"]
    transition_names = CASE_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        fields = {key: data[key] for key in ("signposting", "kind", "until")}
        return cw.perform(obj, name, by=by, reason=data["reason"], **fields)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def visible(self, user: Any) -> QuerySet[Case]:
        return queries.cases_visible_to(user).prefetch_related("team")

    def objects(self) -> QuerySet[Case]:
        return Case.objects.select_related("organisation", "owner", "referral", "health_check")

    @extend_schema(methods=["get"], responses=CaseNoteSerializer(many=True))
    @extend_schema(methods=["post"], request=CaseNoteSerializer, responses={201: CaseNoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, pk: Any = None) -> Response:
        """Case notes. POST adds one (the case team, while the case is open)."""
        case = self.get_object()
        if request.method == "GET":
            return Response(CaseNoteSerializer(case.notes.all(), many=True).data)
        body = CaseNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = cw.add_note(case, by=request.user, text=body.validated_data["text"])
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)
