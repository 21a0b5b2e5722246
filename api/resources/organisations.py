"""Organisations and boroughs: a directory every signed-in person may read."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.filters import FilterSet
from api.resources.base import ModelSerializer, VisibleViewSet
from organisations.models import Borough, Organisation, OrganisationQuerySet


class BoroughSerializer(ModelSerializer):
    class Meta:
        model = Borough
        fields = ["id", "ons_code", "name", "inner_london"]


class OrganisationSerializer(ModelSerializer):
    org_id = serializers.CharField(read_only=True, help_text="The org-id.guide identifier, when it has one.")
    boroughs: serializers.SlugRelatedField[Borough] = serializers.SlugRelatedField(
        slug_field="ons_code", many=True, read_only=True
    )
    status = serializers.SerializerMethodField(
        help_text="active or dissolved; in_difficulty only for the lifeboat panel, administrators and the case team."
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "legal_form",
            "status",
            "charity_number",
            "company_number",
            "org_id",
            "website",
            "boroughs",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Organisation.Status.choices))
    def get_status(self, organisation: Organisation) -> str:
        return organisation.status_seen_by(self.context["request"].user)


class OrganisationFilter(FilterSet):
    borough = django_filters.CharFilter(field_name="boroughs__ons_code", help_text="ONS code of a borough served.")
    search = django_filters.CharFilter(method="search_text", help_text="Name, charity or company number.")
    status = django_filters.ChoiceFilter(
        choices=Organisation.Status.choices, method="by_status", help_text="active or dissolved."
    )

    class Meta:
        model = Organisation
        fields = ["kind", "status", "legal_form"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Outside the lifeboat, "in_difficulty" is not a value one can ask for (the same refusal
        # as any unknown status), and "active" includes organisations in difficulty.
        user = getattr(self.request, "user", None)
        if user is not None:
            status = self.filters["status"]
            status.extra["choices"] = Organisation.statuses_for(user)
            status.__dict__.pop("_field", None)  # a form field built earlier (the schema) is rebuilt

    def by_status(self, queryset: OrganisationQuerySet, name: str, value: str) -> QuerySet[Organisation]:
        return queryset.with_status(value, self.request.user)

    def search_text(self, queryset: OrganisationQuerySet, name: str, value: str) -> QuerySet[Organisation]:
        return queryset.search(value)


class OrganisationViewSet(VisibleViewSet):
    """Organisations (CVSs, volunteer centres, networks, funders…)."""

    serializer_class = OrganisationSerializer
    view_perm = "organisations.view_organisation"
    filterset_class = OrganisationFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def visible(self, user: Any) -> QuerySet[Organisation]:
        if not user.has_perm("organisations.view_organisation"):
            return Organisation.objects.none()
        return Organisation.objects.prefetch_related("boroughs").distinct()


class BoroughViewSet(VisibleViewSet):
    """London's 33 local authority areas, by ONS code."""

    serializer_class = BoroughSerializer
    view_perm = "organisations.view_borough"
    lookup_field = "ons_code"
    lookup_value_regex = r"[A-Z0-9]{9}"
    filterset_fields = ["inner_london"]
    ordering_fields = ["name", "ons_code"]
    ordering = ["name"]
    pagination_class = None

    def visible(self, user: Any) -> QuerySet[Borough]:
        return Borough.objects.all() if user.has_perm("organisations.view_borough") else Borough.objects.none()
