"""The Django admin, for administrators only: reference data, people and their roles.

Every change made here is attributed by django-simple-history's request middleware.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User
from organisations.rules import is_administrator


def _administrator_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and is_administrator(request.user))


admin.site.has_permission = _administrator_only  # type: ignore[method-assign]
admin.site.site_header = "Peer review and lifeboat administration"
admin.site.site_title = "Administration"


def _sign_in_first(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    # One sign-in page for everything, with its lockout; admin's own login form is not used.
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or request.get_full_path())


admin.site.login = _sign_in_first  # type: ignore[method-assign]


class AdministratorOnly:
    """ModelAdmin permissions come from the administrator role, not from Django's per-model grants."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _administrator_only(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator_only(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _administrator_only(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator_only(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administrator_only(request)


@admin.register(Borough)
class BoroughAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "ons_code", "inner_london"]
    search_fields = ["name", "ons_code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reference data from ONS: loaded by migration, never deleted


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["name", "kind", "legal_form", "status", "charity_number", "company_number"]
    list_filter = ["kind", "legal_form", "status", "boroughs"]
    search_fields = ["name", "charity_number", "company_number"]
    filter_horizontal = ["boroughs"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AdministratorOnly, SimpleHistoryAdmin, DjangoUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "last_login"]
    search_fields = ["full_name", "email"]
    list_filter = ["is_active", "memberships__role"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Access", {"fields": ("is_active", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal: list[str] = []


@admin.register(Membership)
class MembershipAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["person", "organisation", "role", "starts_on", "ends_on"]
    list_filter = ["role"]
    search_fields = ["person__full_name", "person__email", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["person", "organisation", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["person__full_name", "organisation__name"]
    autocomplete_fields = ["person", "organisation", "declared_by"]
