"""Admin for frameworks' reference settings (rating scale, limiter). Versions and comments are
read-only here: their changes go through standards.workflow so that they are audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from organisations.admin import AdministratorOnly
from standards.models import Comment, Framework, FrameworkVersion, RatingLevel


class RatingLevelInline(admin.TabularInline):
    model = RatingLevel
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["name", "slug", "scoring_mode"]
    search_fields = ["name"]
    filter_horizontal = ["owners"]
    inlines = [RatingLevelInline]


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
