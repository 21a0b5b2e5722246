"""Peer reviews and what belongs to them: panel assignments and their ratings, the self-assessment,
the visit, moderated ratings, findings and replies, and the action plan.

Every write calls one operation in peerreview/workflow.py; every refusal it raises becomes the one
error shape (api/errors.py). Nothing here decides who may do what: the workflow functions and the
rules they ask do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.resources.base import AuthenticatedRequest, ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from organisations.models import Organisation, User
from peerreview import queries
from peerreview import workflow as pr
from peerreview.models import (
    Action,
    Assignment,
    Finding,
    ModeratedRating,
    Reply,
    Review,
    ReviewerRating,
    SelfRating,
)
from standards.models import FrameworkVersion, Indicator, Standard

VIEW = "peerreview.view_review"
REVIEW_MOVES = tuple(t.name for t in Review._meta.get_field("state").get_all_transitions(Review))
ASSIGNMENT_MOVES = ("accept", "decline", "submit", "reinstate", "replace", "return_for_work")
FINDING_MOVES = ("agree",)  # the others happen through replies, their decisions and publication
ACTION_MOVES = ("agree", "start", "complete", "slip", "drop", "verify")


def _in(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """One related row by `lookup`, or a 400 naming the field (ids sent in a body)."""
    field, value = next(iter(lookup.items()))
    found = queryset.filter(**lookup).first()
    if found is None:
        raise ValidationError({field.split("__")[0]: [f"Unknown id {value}."]})
    return found


def _rows_in(queryset: QuerySet[Any], rows: list[dict[str, Any]], what: str, key: str) -> list[dict[str, Any]]:
    """The rows sent with each `key` id replaced by its row, or one 400 naming every unknown id
    ("ratings.2.indicator"), before anything is written."""
    ids = {row[key] for row in rows if row.get(key) is not None}
    found = queryset.in_bulk(ids)
    unknown = {
        f"{what}.{index}.{key}": [f"Unknown id {row[key]}."]
        for index, row in enumerate(rows)
        if row.get(key) is not None and row[key] not in found
    }
    if unknown:
        raise ValidationError(unknown)
    return [{**row, key: found[row[key]] if row.get(key) is not None else None} for row in rows]


# --- serializers ------------------------------------------------------------------------------------


class ReviewSerializer(ModelSerializer):
    transitions = TransitionsField()
    in_scope = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    assessment_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "organisation",
            "framework_version",
            "coordinator",
            "state",
            "scope",
            "in_scope",
            "self_assessment_due",
            "self_assessment_submitted_at",
            "desk_review_due",
            "visit_date",
            "reply_due",
            "replies_submitted_at",
            "outcome",
            "outcome_rationale",
            "visibility",
            "published_at",
            "valid_until",
            "progress_review_due",
            "report_version",
            "previous_review",
            "created_at",
            "updated_at",
            "assessment_pdf",
            "transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assessment_pdf(self, review: Review) -> str | None:
        """Where the published assessment PDF is, once there is one."""
        from django.urls import reverse

        return reverse("api:review-assessment-pdf", args=[review.pk]) if review.published_at else None


class ReviewCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    framework_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    scope = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


class ScopeSerializer(serializers.Serializer):
    scope = serializers.CharField(allow_blank=True, max_length=10000)
    standards = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, default=list, max_length=500
    )


class AssignmentSerializer(ModelSerializer):
    transitions = TransitionsField(allowed=set(ASSIGNMENT_MOVES))
    reviewer_name = serializers.CharField(source="reviewer.full_name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "review",
            "reviewer",
            "reviewer_name",
            "role",
            "state",
            "respond_by",
            "declaration_signed_at",
            "decline_reason",
            "submitted_at",
            "transitions",
        ]
        read_only_fields = fields


class InviteSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    role = serializers.ChoiceField(choices=Assignment.Role.choices, default=Assignment.Role.PEER)
    waiver_reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class RatingSerializer(ModelSerializer):
    class Meta:
        model = ReviewerRating
        fields = ["standard", "rating", "rationale"]
        extra_kwargs = {"standard": {"queryset": Standard.objects.all()}}


class RatingInputSerializer(serializers.Serializer):
    standard = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    rating = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False, default=None)
    rationale = serializers.CharField(allow_blank=True, max_length=10000, required=False, default="")


class DeskReviewSerializer(serializers.Serializer):
    ratings = RatingInputSerializer(many=True, required=False, default=list, max_length=500)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class SelfRatingSerializer(ModelSerializer):
    class Meta:
        model = SelfRating
        fields = ["indicator", "rating", "commentary", "no_evidence", "no_evidence_note"]


class SelfRatingInputSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    rating = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False, default=None)
    commentary = serializers.CharField(allow_blank=True, max_length=10000, required=False, default="")
    no_evidence = serializers.BooleanField(required=False, default=False)
    no_evidence_note = serializers.CharField(allow_blank=True, max_length=10000, required=False, default="")


class SelfAssessmentSerializer(serializers.Serializer):
    position_statement = serializers.CharField(allow_blank=True, max_length=20000, required=False)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ratings = SelfRatingInputSerializer(many=True, required=False, default=list, max_length=1000)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)


class VisitSerializer(serializers.Serializer):
    visit_date = serializers.DateField()
    notes = serializers.CharField(max_length=20000)


class ModeratedRatingSerializer(ModelSerializer):
    standard = serializers.IntegerField(source="standard_id", min_value=1, max_value=2**31 - 1)
    rating = serializers.IntegerField(min_value=0, max_value=100)
    rationale = serializers.CharField(max_length=10000)
    flag_note = serializers.CharField(allow_blank=True, max_length=10000, required=False, default="")

    class Meta:
        model = ModeratedRating
        fields = ["standard", "rating", "rationale", "flag_note"]


class ModerationSerializer(serializers.Serializer):
    ratings = ModeratedRatingSerializer(many=True, max_length=500)


class ReplySerializer(ModelSerializer):
    class Meta:
        model = Reply
        fields = ["id", "kind", "text", "evidence", "decision", "decision_reason", "decided_at"]
        read_only_fields = fields


class FindingSerializer(ModelSerializer):
    transitions = TransitionsField(allowed=set(FINDING_MOVES))
    standards = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reply = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "review", "kind", "text", "original_text", "state", "standards", "reply", "transitions"]
        read_only_fields = fields

    @extend_schema_field(ReplySerializer(allow_null=True))
    def get_reply(self, finding: Finding) -> dict[str, Any] | None:
        reply = getattr(finding, "reply", None)
        return ReplySerializer(reply).data if reply is not None else None


class FindingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Finding.Kind.choices)
    text = serializers.CharField(max_length=10000)
    standards = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), max_length=100)


class ReplyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reply.Kind.choices)
    text = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    evidence = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1, default=None)


class ReplyRowSerializer(ReplyInputSerializer):
    finding = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class RepliesSerializer(serializers.Serializer):
    replies = ReplyRowSerializer(many=True, max_length=500)


class ReplyDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Reply.Decision.choices)
    reason = serializers.CharField(max_length=10000)
    amended_text = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Review.Outcome.choices)
    rationale = serializers.CharField(max_length=10000)


class ActionSerializer(ModelSerializer):
    transitions = TransitionsField(allowed=set(ACTION_MOVES))

    class Meta:
        model = Action
        fields = ["id", "review", "finding", "text", "owner", "due_on", "state", "progress", "transitions"]
        read_only_fields = fields


class ActionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    owner = serializers.CharField(max_length=150)
    due_on = serializers.DateField()
    finding = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1, default=None)


# --- reviews ----------------------------------------------------------------------------------------


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    transition=transition_schema(ReviewSerializer, REVIEW_MOVES),
    create=extend_schema(request=ReviewCreateSerializer, responses={201: ReviewSerializer}),
)
class ReviewViewSet(TransitionsMixin, mixins.CreateModelMixin, VisibleViewSet):
    """Peer reviews: one organisation against one published framework version."""

    serializer_class = ReviewSerializer
    view_perm = VIEW
    filterset_fields = ["state", "organisation", "framework_version", "outcome", "visibility"]
    ordering_fields = ["created_at", "published_at", "state"]
    ordering = ["-created_at"]
    transition_names = REVIEW_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pr.perform_review_move(obj, name, by=by, reason=data["reason"], **data["inputs"])

    def visible(self, user: Any) -> QuerySet[Review]:
        return queries.reviews_visible_to(user).prefetch_related("in_scope")

    def objects(self) -> QuerySet[Review]:
        return Review.objects.select_related("organisation", "framework_version__framework", "coordinator")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a review in scoping (hub staff)."""
        self.require("peerreview.add_review")
        data = _body(ReviewCreateSerializer, request)
        review = pr.create_review(
            _in(Organisation.objects.all(), pk=data["organisation"]),
            _in(FrameworkVersion.objects.all(), pk=data["framework_version"]),
            by=request.user,
            scope=data["scope"],
        )
        return Response(ReviewSerializer(review, context=self.get_serializer_context()).data, status=201)

    def _review(self, perm: str | None = None) -> Review:
        review = self.get_object()
        if perm:
            self.require(perm, review)
        return review

    def _answer(self, review: Review) -> Response:
        fresh = self.objects().get(pk=review.pk)
        return Response(ReviewSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=ScopeSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["put"])
    def scope(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Record the agreed scope and the standards in scope (scoping only)."""
        review = self._review("peerreview.coordinate_review")
        data = _body(ScopeSerializer, request)
        chosen = list(Standard.objects.filter(pk__in=data["standards"]))
        return self._answer(pr.update_scope(review, by=request.user, scope=data["scope"], standards=chosen))

    @extend_schema(methods=["get"], responses=AssignmentSerializer(many=True))
    @extend_schema(methods=["post"], request=InviteSerializer, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["get", "post"])
    def assignments(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The panel. POST invites a reviewer (after the conflict checks; a coordinator may waive)."""
        review = self._review()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = review.assignments.select_related("reviewer", "review").order_by("role", "created_at")
            return Response(AssignmentSerializer(rows, many=True, context=context).data)
        data = _body(InviteSerializer, request)
        self.require("peerreview.coordinate_review", review)
        reviewer = _in(User.objects.all(), pk=data["reviewer"])
        made = pr.invite_reviewer(
            review, reviewer, by=request.user, role=data["role"], waiver_reason=data["waiver_reason"]
        )
        return Response(AssignmentSerializer(made, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=SelfAssessmentSerializer)
    @extend_schema(methods=["put"], request=SelfAssessmentSerializer, responses=SelfAssessmentSerializer)
    @action(detail=True, methods=["get", "put"], url_path="self-assessment", url_name="self-assessment")
    def self_assessment(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The organisation's self-assessment. PUT saves ratings and the position statement until submitted."""
        review = self._review()
        user = request.user
        if not (
            user.has_perm("peerreview.self_assess_review", review)
            or user.has_perm("peerreview.view_panel_work", review)
        ):
            raise PermissionDenied()
        if request.method == "PUT":
            self.require("peerreview.self_assess_review", review)
            data = _body(SelfAssessmentSerializer, request)
            rows = _rows_in(Indicator.objects.select_related("standard"), data["ratings"], "ratings", "indicator")
            pr.save_self_assessment(review, by=user, rows=rows, position_statement=data.get("position_statement"))
        return Response(self._self_assessment_data(self.objects().get(pk=review.pk)))

    def _self_assessment_data(self, review: Review) -> dict[str, Any]:
        return {
            "position_statement": review.position_statement,
            "submitted_at": review.self_assessment_submitted_at,
            "ratings": SelfRatingSerializer(review.self_ratings.order_by("indicator_id"), many=True).data,
            "missing": pr.missing_self_assessment(review),
        }

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], url_path="self-assessment/submit", url_name="self-assessment-submit")
    def submit_self_assessment(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Submit and freeze the self-assessment (every indicator rated and evidenced, or explained)."""
        return self._answer(pr.submit_self_assessment(self._review(), by=request.user))

    @extend_schema(request=VisitSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["put"])
    def visit(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Record the visit date and notes (the lead, at the visit)."""
        review = self._review("peerreview.lead_review")
        return self._answer(pr.record_visit(review, by=request.user, **_body(VisitSerializer, request)))

    @extend_schema(methods=["get"], responses=ModeratedRatingSerializer(many=True))
    @extend_schema(methods=["post"], request=ModeratedRatingSerializer, responses={201: ModeratedRatingSerializer})
    @extend_schema(methods=["put"], request=ModerationSerializer, responses=ModeratedRatingSerializer(many=True))
    @action(detail=True, methods=["get", "post", "put"], url_path="moderated-ratings", url_name="moderated-ratings")
    def moderated_ratings(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The panel's agreed rating per standard (the lead, at moderation). POST records one; PUT
        records several at once, all or none: one bad row refuses them all, naming it."""
        review = self._review("peerreview.view_panel_work")
        if request.method == "GET":
            return Response(ModeratedRatingSerializer(review.moderated_ratings.order_by("standard_id"), many=True).data)
        one = request.method == "POST"
        sent = [_body(ModeratedRatingSerializer, request)] if one else _body(ModerationSerializer, request)["ratings"]
        rows = [{**row, "standard": row.pop("standard_id")} for row in sent]
        saved = pr.moderate_standards(
            review, by=request.user, rows=_rows_in(review.standards_in_scope(), rows, "ratings", "standard")
        )
        if one:
            return Response(ModeratedRatingSerializer(saved[0]).data, status=status.HTTP_201_CREATED)
        return Response(ModeratedRatingSerializer(review.moderated_ratings.order_by("standard_id"), many=True).data)

    @extend_schema(methods=["get"], responses=FindingSerializer(many=True))
    @extend_schema(methods=["post"], request=FindingCreateSerializer, responses={201: FindingSerializer})
    @action(detail=True, methods=["get", "post"])
    def findings(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Strengths, areas for development, recommendations and conditions, with any reply."""
        review = self._review()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = (
                queries.findings_visible_to(request.user, review)
                .select_related("reply", "review")
                .prefetch_related("standards")
            )
            return Response(FindingSerializer(rows, many=True, context=context).data)
        data = _body(FindingCreateSerializer, request)
        standards = list(review.framework_version.standards.filter(pk__in=data["standards"]))
        made = pr.add_finding(review, by=request.user, kind=data["kind"], text=data["text"], standards=standards)
        return Response(FindingSerializer(made, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RepliesSerializer, responses=FindingSerializer(many=True))
    @action(detail=True, methods=["put"])
    def replies(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The organisation's replies to several findings at once, all or none: one bad row refuses
        them all, naming it. Submitting them is replies/submit."""
        review = self._review("peerreview.reply_finding")
        rows = _rows_in(review.findings.all(), _body(RepliesSerializer, request)["replies"], "replies", "finding")
        rows = _rows_in(review.evidence.all(), rows, "replies", "evidence")
        pr.reply_to_findings(review, by=request.user, rows=rows)
        findings = (
            queries.findings_visible_to(request.user, review)
            .filter(pk__in=[row["finding"].pk for row in rows])
            .select_related("reply", "review")
            .prefetch_related("standards")
        )
        return Response(FindingSerializer(findings, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], url_path="replies/submit", url_name="replies-submit")
    def submit_replies(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Submit the organisation's replies to the findings (every agreed finding answered)."""
        return self._answer(pr.submit_replies(self._review(), by=request.user))

    @extend_schema(request=OutcomeSerializer, responses=ReviewSerializer)
    @action(detail=True, methods=["put"])
    def outcome(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Propose the outcome and its rationale (the panel's lead, while considering replies); an
        independent quality panel member confirms it with the decide_outcome transition."""
        review = self._review("peerreview.propose_outcome")
        return self._answer(pr.set_outcome(review, by=request.user, **_body(OutcomeSerializer, request)))

    @extend_schema(methods=["get"], responses=ActionSerializer(many=True))
    @extend_schema(methods=["post"], request=ActionCreateSerializer, responses={201: ActionSerializer})
    @action(detail=True, methods=["get", "post"])
    def actions(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The action plan. POST adds an action (the organisation or hub staff, while planning)."""
        review = self._review()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = review.actions.select_related("review")
            return Response(ActionSerializer(rows, many=True, context=context).data)
        data = _body(ActionCreateSerializer, request)
        finding = _in(review.findings.all(), pk=data["finding"]) if data["finding"] else None
        made = pr.add_action(
            review, by=request.user, text=data["text"], owner=data["owner"], due_on=data["due_on"], finding=finding
        )
        return Response(ActionSerializer(made, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "application/pdf"): bytes},
        description="The published assessment as a tagged PDF (the same file as the web page's download).",
    )
    @action(detail=True, methods=["get"], url_path="assessment.pdf", url_name="assessment-pdf")
    def assessment_pdf(self, request: AuthenticatedRequest, pk: Any = None) -> Any:
        """Download the published assessment PDF."""
        from reports import views as report_views

        review = self.get_object()
        return report_views.assessment_pdf(request._request, pk=review.pk)


# --- things that belong to a review -------------------------------------------------------------------


@extend_schema_view(transition=transition_schema(AssignmentSerializer, ASSIGNMENT_MOVES))
class AssignmentViewSet(TransitionsMixin, VisibleViewSet):
    """A reviewer on a panel: accept (with the declaration) or decline, rate, submit, return, replace."""

    serializer_class = AssignmentSerializer
    view_perm = VIEW
    transition_names = ASSIGNMENT_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pr.perform_assignment_move(obj, name, by=by, reason=data["reason"], **data["inputs"])

    def visible(self, user: Any) -> QuerySet[Assignment]:
        """Assignments on the reviews the person may see."""
        return Assignment.objects.filter(review__in=queries.reviews_visible_to(user)).select_related(
            "reviewer", "review"
        )

    def objects(self) -> QuerySet[Assignment]:
        return Assignment.objects.select_related("review__organisation", "reviewer")

    @extend_schema(methods=["get"], responses=RatingSerializer(many=True))
    @extend_schema(methods=["put"], request=DeskReviewSerializer, responses=RatingSerializer(many=True))
    @action(detail=True, methods=["get", "put"])
    def ratings(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The reviewer's desk review ratings. Blind: others' ratings show only once you have submitted."""
        assignment = self.get_object()
        if request.method == "PUT":
            self.require("peerreview.score_assignment", assignment)
            data = _body(DeskReviewSerializer, request)
            rows = _rows_in(Standard.objects.all(), data["ratings"], "ratings", "standard")
            pr.save_desk_review(assignment, by=request.user, rows=rows, notes=data.get("notes"))
        visible = [
            r for r in pr.ratings_visible_to(request.user, assignment.review) if r.assignment_id == assignment.pk
        ]
        return Response(RatingSerializer(sorted(visible, key=lambda r: r.standard_id), many=True).data)


@extend_schema_view(transition=transition_schema(FindingSerializer, FINDING_MOVES))
class FindingViewSet(TransitionsMixin, VisibleViewSet):
    """One finding; the organisation replies to it, and hub staff decide any challenge."""

    serializer_class = FindingSerializer
    view_perm = "peerreview.view_finding"
    transition_names = FINDING_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pr.agree_finding(obj, by=by)  # the only move made here

    def visible(self, user: Any) -> QuerySet[Finding]:
        """Findings of the reviews the person may see."""
        qs = queries.findings_visible_to(user)
        return qs.select_related("reply", "review").prefetch_related("standards")

    def objects(self) -> QuerySet[Finding]:
        return Finding.objects.select_related("review", "reply")

    @extend_schema(request=ReplyInputSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["put"])
    def reply(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The organisation accepts the finding, or challenges it as (A) typo, (B) fact with evidence, (C) missed."""
        finding = self.get_object()
        self.require("peerreview.reply_finding", finding)
        data = _body(ReplyInputSerializer, request)
        rows = _rows_in(finding.review.evidence.all(), [{**data, "finding": finding}], "replies", "evidence")
        pr.reply_to_findings(finding.review, by=request.user, rows=rows)
        return Response(self.get_serializer(self.objects().get(pk=finding.pk)).data)

    @extend_schema(request=ReplyDecisionSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"], url_path="reply/decision", url_name="reply-decision")
    def decide_reply(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Decide a challenge: accepted or partly (the finding is amended) or rejected (upheld), with a reason."""
        finding = self.get_object()
        self.require("peerreview.decide_reply", finding)
        reply = getattr(finding, "reply", None)
        if reply is None:
            raise ValidationError({"non_field_errors": ["This finding has no reply to decide."]})
        data = _body(ReplyDecisionSerializer, request)
        pr.decide_reply(reply, by=request.user, **data)
        return Response(self.get_serializer(self.objects().get(pk=finding.pk)).data)


@extend_schema_view(transition=transition_schema(ActionSerializer, ACTION_MOVES))
class ActionViewSet(TransitionsMixin, VisibleViewSet):
    """One action of a review's action plan."""

    serializer_class = ActionSerializer
    view_perm = VIEW
    transition_names = ACTION_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return pr.move_action(obj, name, by=by, reason=data["reason"])

    def visible(self, user: Any) -> QuerySet[Action]:
        """Actions of the reviews the person may see."""
        return Action.objects.filter(review__in=queries.reviews_visible_to(user)).select_related("review")

    def objects(self) -> QuerySet[Action]:
        return Action.objects.select_related("review")
