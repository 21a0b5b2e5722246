"""Published assessments (the frozen final report snapshots, with their PDF) and the London
intelligence tables, read through reports.analytics with the same anonymising as the web page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api.resources.base import ModelSerializer, VisibleViewSet
from organisations.models import Borough, Organisation
from peerreview import queries
from peerreview.models import ReportSnapshot


class AssessmentSerializer(ModelSerializer):
    organisation = serializers.IntegerField(source="review.organisation_id", read_only=True)
    is_latest = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportSnapshot
        fields = [
            "id",
            "review",
            "organisation",
            "version",
            "fingerprint",
            "created_at",
            "is_latest",
            "pdf",
            "verify_url",
            "data",
        ]
        read_only_fields = fields

    def get_is_latest(self, snapshot: ReportSnapshot) -> bool:
        return snapshot.version == snapshot.review.report_version and not snapshot.review.report_in_question

    def get_pdf(self, snapshot: ReportSnapshot) -> str:
        """The latest published assessment of the review, as PDF."""
        return reverse("api:review-assessment-pdf", args=[snapshot.review_id])

    def get_verify_url(self, snapshot: ReportSnapshot) -> str:
        return settings.SITE_URL + reverse("reports:verify", args=[snapshot.fingerprint])


class AssessmentViewSet(VisibleViewSet):
    """Published assessments: each is a frozen report version that never changes."""

    serializer_class = AssessmentSerializer
    view_perm = "peerreview.view_review"
    filterset_fields = ["review", "version"]
    ordering_fields = ["created_at", "version"]
    ordering = ["-created_at"]

    def visible(self, user: Any) -> QuerySet[ReportSnapshot]:
        reviews = queries.reviews_visible_to(user)
        return ReportSnapshot.objects.filter(kind="final", review__in=reviews).select_related("review")

    def get_object(self) -> ReportSnapshot:
        snapshot = ReportSnapshot.objects.filter(kind="final", pk=self.kwargs["pk"]).select_related("review").first()
        if snapshot is None or not self.request.user.has_perm(self.view_perm, snapshot.review):
            raise NotFound()
        return snapshot


class IntelligenceQuerySerializer(serializers.Serializer):
    borough = serializers.CharField(required=False, default="", allow_blank=True, max_length=9, help_text="ONS code.")
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices, required=False, default="", allow_blank=True)
    year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=2000, max_value=2100)
    framework = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1
    )


class IntelligenceTableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    withheld = serializers.BooleanField(help_text="True when this reader may not see this table.")
    withheld_reason = serializers.CharField(help_text="Why the table is withheld (empty when it is not).")
    anonymised = serializers.BooleanField(help_text="Figures resting on fewer than five are suppressed (null).")
    rounded = serializers.BooleanField(help_text="Lifeboat figures are rounded to the nearest five.")
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField(allow_null=True)))
    suppressed = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="[row, column] of every suppressed cell (null in rows).",
    )
    notes = serializers.ListField(child=serializers.CharField(), help_text="What was suppressed, rounded or left out.")


class IntelligenceViewSet(viewsets.ViewSet):
    """London intelligence tables (anonymised for readers who may see only anonymised figures)."""

    lookup_field = "name"
    lookup_value_regex = r"[a-z_]+"
    serializer_class = IntelligenceTableSerializer

    def _reader(self, request: Request) -> Any:
        from reports.disclosure import Reader

        if not request.user.has_perm("reports.view_intelligence"):
            raise PermissionDenied()
        return Reader.of(request.user)

    @extend_schema(responses=IntelligenceTableSerializer(many=True), parameters=[IntelligenceQuerySerializer])
    def list(self, request: Request) -> Response:
        """Every table, with the filters applied."""
        from reports import analytics

        filters = self._filters(request)
        return Response([self._table(name, filters, request) for name in analytics.TABLES])

    @extend_schema(
        responses=IntelligenceTableSerializer,
        parameters=[
            IntelligenceQuerySerializer,
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                enum=[
                    "ratings",
                    "coverage",
                    "themes",
                    "trends",
                    "standard_trends",
                    "reciprocity",
                    "lifeboat",
                    "pipeline",
                    "outcomes",
                    "redeployed",
                ],
            ),
        ],
    )
    def retrieve(self, request: Request, name: str = "") -> Response:
        """One table."""
        from reports import analytics

        filters = self._filters(request)
        if name not in analytics.TABLES:
            raise NotFound()
        return Response(self._table(name, filters, request))

    def _filters(self, request: Request) -> Any:
        from reports import analytics

        self._reader(request)
        query = IntelligenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        borough = data["borough"] if Borough.objects.filter(ons_code=data["borough"]).exists() else ""
        return analytics.Filters(borough=borough, kind=data["kind"], year=data["year"], framework=data["framework"])

    def _table(self, name: str, filters: Any, request: Request) -> dict[str, Any]:
        from reports import analytics

        reader = self._reader(request)
        disclosed = analytics.table(name, filters, reader=reader)
        df = disclosed.frame
        rows = [] if df is None else df.astype(object).where(df.notna(), None).values.tolist()
        return {
            "name": name,
            "title": analytics.TABLES[name][0],
            "withheld": df is None,
            "withheld_reason": disclosed.withheld,
            "anonymised": not reader.named,
            "rounded": not reader.lifeboat_insider,
            "columns": [] if df is None else [str(c) for c in df.columns],
            "rows": [[_plain(v) for v in row] for row in rows],
            "suppressed": sorted([row, column] for row, column in disclosed.marks),
            "notes": disclosed.notes,
        }


def _plain(value: Any) -> Any:
    """JSON-safe cell: numbers and strings as they are, anything else (dates, decimals) as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return str(value)
