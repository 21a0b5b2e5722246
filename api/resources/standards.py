"""Co-produced frameworks and their versions (themes → standards → indicators), with version transitions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers

from api.resources.base import ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from standards import queries, workflow
from standards.models import Framework, FrameworkVersion, Indicator, RatingLevel, Standard, Theme


class RatingLevelSerializer(ModelSerializer):
    class Meta:
        model = RatingLevel
        fields = ["value", "label", "descriptor", "min_mean"]


class FrameworkSerializer(ModelSerializer):
    levels = RatingLevelSerializer(many=True, read_only=True)
    owners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "name", "slug", "purpose", "scoring_mode", "limiter_trigger", "limiter_cap", "owners", "levels"]


class IndicatorSerializer(ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "position", "text", "prompts"]


class StandardSerializer(ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "code", "position", "title", "description", "guidance", "indicators"]


class ThemeSerializer(ModelSerializer):
    standards = StandardSerializer(many=True, read_only=True)

    class Meta:
        model = Theme
        fields = ["id", "position", "title", "description", "standards"]


VERSION_MOVES = workflow.VERSION_MOVES


class FrameworkVersionSerializer(ModelSerializer):
    transitions = TransitionsField()

    class Meta:
        model = FrameworkVersion
        fields = [
            "id",
            "framework",
            "number",
            "state",
            "summary",
            "consultation_opens_on",
            "consultation_closes_on",
            "published_at",
            "retired_at",
            "transitions",
        ]


class FrameworkVersionDetailSerializer(FrameworkVersionSerializer):
    themes = ThemeSerializer(many=True, read_only=True)

    class Meta(FrameworkVersionSerializer.Meta):
        fields = [*FrameworkVersionSerializer.Meta.fields, "themes"]


class FrameworkViewSet(VisibleViewSet):
    """Quality frameworks with their rating scales."""

    serializer_class = FrameworkSerializer
    view_perm = "standards.view_framework"
    filterset_fields = ["scoring_mode", "slug"]
    ordering_fields = ["name"]
    ordering = ["name"]

    def visible(self, user: Any) -> QuerySet[Framework]:
        return queries.frameworks_visible_to(user).prefetch_related("levels", "owners")


@extend_schema_view(transition=transition_schema(FrameworkVersionSerializer, VERSION_MOVES))
class FrameworkVersionViewSet(TransitionsMixin, VisibleViewSet):
    """Framework versions: draft → consultation → published → retired. The detail has the content."""

    serializer_class = FrameworkVersionSerializer
    view_perm = "standards.view_frameworkversion"
    filterset_fields = ["framework", "state"]
    ordering_fields = ["number", "published_at", "created_at"]
    ordering = ["framework", "-number"]
    transition_names = VERSION_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return workflow.perform_version_move(obj, name, by=by, reason=data["reason"])

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return FrameworkVersionDetailSerializer if self.action != "list" else FrameworkVersionSerializer

    def visible(self, user: Any) -> QuerySet[FrameworkVersion]:
        return queries.versions_visible_to(user)

    def objects(self) -> QuerySet[FrameworkVersion]:
        return FrameworkVersion.objects.select_related("framework").prefetch_related("themes__standards__indicators")
