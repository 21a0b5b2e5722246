"""Turnaround (with its milestones and small grants paid in tranches) and interim management. Every
record hangs off a confidential case: outside the case team, the panel and administrators it does
not exist (404), exactly as on the pathway pages.

Every write is one operation in casework/pathways.py (`update_turnaround`, `move_turnaround`,
`add_milestone`, `request_grant`, `approve_grant`, `move_grant`, `add_tranche`, `release_tranche`,
`update_interim`, `move_interim`…), which asks the same rules as the pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.resources.base import AuthenticatedRequest, ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from casework import pathways, queries
from casework.models import Candidate, Grant, Interim, InterimReview, Milestone, Tranche, Turnaround

VIEW = "casework.view_case"
WORK = "casework.work_case"


def _moves(model: type[Model], *leave_out: str) -> tuple[str, ...]:
    names = (t.name for t in model._meta.get_field("state").get_all_transitions(model))
    return tuple(n for n in names if n not in leave_out)


def _columns(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


TURNAROUND_MOVES = _moves(Turnaround)
INTERIM_MOVES = _moves(Interim)
# Approval records the approver's declaration (`…/approve/`); "pay" happens when a tranche is released.
GRANT_MOVES = _moves(Grant, "approve", "pay")
TRANCHE_MOVES = _moves(Tranche)


def _input(model: type[Model], names: set[str]) -> type[ModelSerializer]:
    """A PATCH body of `model`'s editable `names` (send only what changes)."""
    meta = type("Meta", (), {"model": model, "fields": sorted(names)})
    return type(f"{model.__name__}ChangeSerializer", (ModelSerializer,), {"Meta": meta})


def _body(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- serializers ------------------------------------------------------------------------------------


class MilestoneSerializer(ModelSerializer):
    class Meta:
        model = Milestone
        fields = _columns(Milestone)
        read_only_fields = fields


class TrancheSerializer(ModelSerializer):
    transitions = TransitionsField()

    class Meta:
        model = Tranche
        fields = [*_columns(Tranche), "transitions"]
        read_only_fields = fields


class GrantSerializer(ModelSerializer):
    transitions = TransitionsField(allowed=set(GRANT_MOVES))
    may_approve = serializers.SerializerMethodField()

    class Meta:
        model = Grant
        fields = [*_columns(Grant), "may_approve", "transitions"]
        read_only_fields = fields

    def get_may_approve(self, grant: Grant) -> bool:
        """Whether you may approve it now (`…/approve/`): never the requester; above the threshold the panel."""
        user = self.context["request"].user
        return grant.awaits_approval and user.has_perm("casework.approve_grant", grant)


class TurnaroundSerializer(ModelSerializer):
    transitions = TransitionsField()

    class Meta:
        model = Turnaround
        fields = [*_columns(Turnaround), "transitions"]
        read_only_fields = fields


class InterimSerializer(ModelSerializer):
    transitions = TransitionsField()

    class Meta:
        model = Interim
        fields = [*_columns(Interim), "transitions"]
        read_only_fields = fields


class CandidateSerializer(ModelSerializer):
    class Meta:
        model = Candidate
        fields = _columns(Candidate)
        read_only_fields = fields


class InterimReviewSerializer(ModelSerializer):
    class Meta:
        model = InterimReview
        fields = _columns(InterimReview)
        read_only_fields = fields


class InterimReviewInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    continue_placement = serializers.BooleanField()
    note = serializers.CharField(max_length=5000)


class ChoiceSerializer(serializers.Serializer):
    candidate = serializers.IntegerField(help_text="The id of one of this placement's candidates.")


CandidateInputSerializer = _input(Candidate, pathways.CANDIDATE_FIELDS)
TurnaroundChangeSerializer = _input(Turnaround, pathways.TURNAROUND_FIELDS)
InterimChangeSerializer = _input(Interim, pathways.INTERIM_FIELDS)
MilestoneInputSerializer = _input(Milestone, pathways.MILESTONE_FIELDS - {"owner"})


class GrantRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    purpose = serializers.CharField(max_length=10000)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class GrantApprovalSerializer(serializers.Serializer):
    declaration = serializers.CharField(max_length=5000, help_text="Any conflict of interest, or 'none'.")


class MonitoringSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10000)


class TrancheInputSerializer(serializers.Serializer):
    milestone = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


# --- viewsets ---------------------------------------------------------------------------------------


class CaseRecordViewSet(VisibleViewSet):
    """Records that hang off a case (`case_path` leads from the record to its case)."""

    view_perm = VIEW
    case_path = "case"

    def visible(self, user: Any) -> QuerySet[Any]:
        model = self.get_serializer_class().Meta.model
        return model._default_manager.filter(**{f"{self.case_path}__in": queries.cases_visible_to(user)})

    def _record(self, perm: str | None = None) -> Any:
        record = self.get_object()
        if perm:
            self.require(perm, record)
        return record

    def _answer(self, record: Model, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.objects().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=code)


@extend_schema_view(
    transition=transition_schema(TurnaroundSerializer, TURNAROUND_MOVES),
    partial_update=extend_schema(request=TurnaroundChangeSerializer, responses=TurnaroundSerializer),
)
class TurnaroundViewSet(TransitionsMixin, CaseRecordViewSet):
    """Turnaround plans: diagnosis → plan_drafted → plan_approved (the panel) → implementing ⇄ review →
    stabilised → exited. PATCH records the diagnosis, the plan's approvals and the exit tests."""

    serializer_class = TurnaroundSerializer
    filterset_fields = ["state", "case"]
    ordering = ["-created_at"]
    transition_names = TURNAROUND_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pathways.move_turnaround(obj, name, by=by, reason=data["reason"])

    def objects(self) -> QuerySet[Turnaround]:
        return Turnaround.objects.select_related("case__organisation")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self._record(WORK)
        data = _body(TurnaroundChangeSerializer, request, partial=True)
        return self._answer(pathways.update_turnaround(record, by=request.user, **data))

    @extend_schema(methods=["get"], responses=MilestoneSerializer(many=True))
    @extend_schema(methods=["post"], request=MilestoneInputSerializer, responses={201: MilestoneSerializer})
    @action(detail=True, methods=["get", "post"])
    def milestones(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The plan's milestones. POST adds one (the case team)."""
        record = self._record()
        if request.method == "GET":
            return Response(MilestoneSerializer(record.milestones.all(), many=True).data)
        self.require(WORK, record)
        data = _body(MilestoneInputSerializer, request, partial=True)
        milestone = pathways.add_milestone(record, by=request.user, **data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=GrantSerializer(many=True))
    @extend_schema(methods=["post"], request=GrantRequestSerializer, responses={201: GrantSerializer})
    @action(detail=True, methods=["get", "post"])
    def grants(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The plan's small grants. POST asks for one (the case team, once the plan is approved)."""
        record = self._record()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(GrantSerializer(record.grants.all(), many=True, context=context).data)
        self.require(WORK, record)
        grant = pathways.request_grant(record, by=request.user, **_body(GrantRequestSerializer, request))
        return Response(GrantSerializer(grant, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema_view(partial_update=extend_schema(request=MilestoneInputSerializer, responses=MilestoneSerializer))
class MilestoneViewSet(CaseRecordViewSet):
    """One milestone of a turnaround plan. PATCH changes it or records its evidence (the case team)."""

    serializer_class = MilestoneSerializer
    case_path = "turnaround__case"
    filterset_fields = ["turnaround"]
    ordering = ["due_on"]

    def objects(self) -> QuerySet[Milestone]:
        return Milestone.objects.select_related("turnaround__case")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self._record(WORK)
        data = _body(MilestoneInputSerializer, request, partial=True)
        return self._answer(pathways.update_milestone(milestone, by=request.user, **data))


@extend_schema_view(transition=transition_schema(GrantSerializer, GRANT_MOVES))
class GrantViewSet(TransitionsMixin, CaseRecordViewSet):
    """Small grants: requested → approved (`…/approve/`, never by the requester) → paying (tranches) →
    monitored → closed, or refused, or clawed back (with `clawback_amount`)."""

    serializer_class = GrantSerializer
    case_path = "turnaround__case"
    filterset_fields = ["state", "turnaround"]
    ordering = ["-created_at"]
    transition_names = GRANT_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pathways.move_grant(obj, name, by=by, reason=data["reason"], **data["inputs"])

    def objects(self) -> QuerySet[Grant]:
        return Grant.objects.select_related("turnaround__case__organisation")

    @extend_schema(request=GrantApprovalSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Approve the grant with your conflict-of-interest declaration."""
        grant = self._record("casework.approve_grant")
        return self._answer(pathways.approve_grant(grant, by=request.user, **_body(GrantApprovalSerializer, request)))

    @extend_schema(request=MonitoringSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["put"])
    def monitoring(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Record how the money was spent against its purpose (the case team)."""
        grant = self._record(WORK)
        return self._answer(pathways.record_monitoring(grant, by=request.user, **_body(MonitoringSerializer, request)))

    @extend_schema(methods=["get"], responses=TrancheSerializer(many=True))
    @extend_schema(methods=["post"], request=TrancheInputSerializer, responses={201: TrancheSerializer})
    @action(detail=True, methods=["get", "post"])
    def tranches(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The grant's payments. POST plans one against a milestone of the plan (the case team)."""
        grant = self._record()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(TrancheSerializer(grant.tranches.all(), many=True, context=context).data)
        self.require(WORK, grant)
        data = _body(TrancheInputSerializer, request)
        milestone = grant.turnaround.milestones.filter(pk=data["milestone"]).first()
        if milestone is None:
            raise ValidationError({"milestone": ["Choose a milestone of this turnaround plan."]})
        tranche = pathways.add_tranche(grant, by=request.user, milestone=milestone, amount=data["amount"])
        return Response(TrancheSerializer(tranche, context=context).data, status=status.HTTP_201_CREATED)


@extend_schema_view(transition=transition_schema(TrancheSerializer, TRANCHE_MOVES))
class TrancheViewSet(TransitionsMixin, CaseRecordViewSet):
    """One payment of a grant. `release` pays it once its milestone has evidence (`paid_on`: default today)."""

    serializer_class = TrancheSerializer
    case_path = "grant__turnaround__case"
    filterset_fields = ["state", "grant"]
    ordering = ["pk"]
    transition_names = TRANCHE_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pathways.release_tranche(obj, by=by, **data["inputs"])  # the only move

    def objects(self) -> QuerySet[Tranche]:
        return Tranche.objects.select_related("grant__turnaround__case", "milestone")


@extend_schema_view(
    transition=transition_schema(InterimSerializer, INTERIM_MOVES),
    partial_update=extend_schema(request=InterimChangeSerializer, responses=InterimSerializer),
)
class InterimViewSet(TransitionsMixin, CaseRecordViewSet):
    """Interim placements: need_identified → brief_agreed (the panel) → sourcing → matched → contracted →
    in_post ⇄ review → handover → ended. PATCH records the brief, the contract and the exit report."""

    serializer_class = InterimSerializer
    filterset_fields = ["state", "case"]
    ordering = ["-created_at"]
    transition_names = INTERIM_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pathways.move_interim(obj, name, by=by, reason=data["reason"])

    def objects(self) -> QuerySet[Interim]:
        return Interim.objects.select_related("case__organisation", "chosen")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self._record(WORK)
        data = _body(InterimChangeSerializer, request, partial=True)
        return self._answer(pathways.update_interim(record, by=request.user, **data))

    @extend_schema(methods=["get"], responses=CandidateSerializer(many=True))
    @extend_schema(methods=["post"], request=CandidateInputSerializer, responses={201: CandidateSerializer})
    @action(detail=True, methods=["get", "post"])
    def candidates(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The candidates considered. POST records one (the case team, once the brief is agreed)."""
        record = self._record()
        if request.method == "GET":
            return Response(CandidateSerializer(record.candidates.all(), many=True).data)
        self.require(WORK, record)
        data = _body(CandidateInputSerializer, request, partial=True)
        candidate = pathways.add_candidate(record, by=request.user, **data)
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChoiceSerializer, responses=InterimSerializer)
    @action(detail=True, methods=["post"])
    def choose(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Choose the candidate to match (the case team, while sourcing)."""
        record = self._record(WORK)
        chosen = record.candidates.filter(pk=_body(ChoiceSerializer, request)["candidate"]).first()
        if chosen is None:
            raise ValidationError({"candidate": ["Choose one of this placement's candidates."]})
        return self._answer(pathways.choose_candidate(record, by=request.user, candidate=chosen))

    @extend_schema(methods=["get"], responses=InterimReviewSerializer(many=True))
    @extend_schema(methods=["post"], request=InterimReviewInputSerializer, responses={201: InterimReviewSerializer})
    @action(detail=True, methods=["get", "post"])
    def reviews(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The placement's reviews. POST records one with its continuation decision (during a review)."""
        record = self._record()
        if request.method == "GET":
            return Response(InterimReviewSerializer(record.reviews.all(), many=True).data)
        self.require(WORK, record)
        review = pathways.record_interim_review(record, by=request.user, **_body(InterimReviewInputSerializer, request))
        return Response(InterimReviewSerializer(review).data, status=status.HTTP_201_CREATED)


@extend_schema_view(partial_update=extend_schema(request=CandidateInputSerializer, responses=CandidateSerializer))
class CandidateViewSet(CaseRecordViewSet):
    """One candidate for an interim placement. PATCH records its checks (conflict, references, DBS)."""

    serializer_class = CandidateSerializer
    case_path = "interim__case"
    filterset_fields = ["interim"]
    ordering = ["pk"]

    def objects(self) -> QuerySet[Candidate]:
        return Candidate.objects.select_related("interim__case")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        candidate = self._record(WORK)
        data = _body(CandidateInputSerializer, request, partial=True)
        return self._answer(pathways.update_candidate(candidate, by=request.user, **data))
