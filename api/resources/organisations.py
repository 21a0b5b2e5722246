"""Organisations and boroughs: a directory every signed-in person may read."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import serializers

from api.resources.base import ModelSerializer, VisibleViewSet
from organisations.models import Borough, Organisation


class BoroughSerializer(ModelSerializer):
    class Meta:
        model = Borough
        fields = ["id", "ons_code", "name", "inner_london"]


class OrganisationSerializer(ModelSerializer):
    org_id = serializers.CharField(read_only=True, help_text="The org-id.guide identifier, when it has one.")
    boroughs = serializers.SlugRelatedField(slug_field="ons_code", many=True, read_only=True)

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


class OrganisationFilter(django_filters.FilterSet):
    borough = django_filters.CharFilter(field_name="boroughs__ons_code", help_text="ONS code of a borough served.")
    search = django_filters.CharFilter(method="search_text", help_text="Name, charity or company number.")

    class Meta:
        model = Organisation
        fields = ["kind", "status", "legal_form"]

    def search_text(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
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
