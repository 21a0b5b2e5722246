"""Admin for frameworks' reference settings (rating scale, limiter). Versions and comments are
read-only here: their changes go through standards.workflow so that they are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from organisations.admin import AdministratorOnly, AuditedAdmin
from standards.models import Comment, Framework, FrameworkVersion, RatingLevel

# What a published version's results are computed with: fixed once any version is published, so a
# published review's page and its frozen PDF can never disagree (a change needs a new framework).
SCORING_FIELDS = ["scoring_mode", "limiter_trigger", "limiter_cap"]


class RatingLevelInline(admin.TabularInline):
    model = RatingLevel
    extra = 0

    def _published(self, obj: Any) -> bool:
        return bool(obj and obj.versions.filter(state__in=["published", "retired"]).exists())

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._published(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._published(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._published(obj)


@admin.register(Framework)
class FrameworkAdmin(AuditedAdmin, AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["name", "slug", "scoring_mode"]
    search_fields = ["name"]
    filter_horizontal = ["owners"]
    inlines = [RatingLevelInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = obj is not None and obj.versions.filter(state__in=["published", "retired"]).exists()
        return [*super().get_readonly_fields(request, obj), *(SCORING_FIELDS if fixed else [])]


class ReadOnly(AdministratorOnly):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["framework", "number", "state", "published_at"]
    list_filter = ["state", "framework"]


@admin.register(Comment)
class CommentAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["version", "kind", "answer", "created_at"]
    list_filter = ["kind", "answer"]
