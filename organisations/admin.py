"""The Django admin, for administrators only: reference data, people and their roles.

Every change made here is attributed by django-simple-history's request middleware, and appended
to the audit chain with what changed, old and new values (`AuditedAdmin`): roles, conflict-of-
interest declarations, the superuser flag and framework settings included. Casework and review
records are not in the admin at all; their changes go through the workflow operations.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from core import audit
from core.workflow import changes, snapshot
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


# Never put in an audit payload, even as "changed" (a password hash is a secret).
SECRET_FIELDS = {"password"}


def _audit_admin_change(request: HttpRequest, obj: models.Model, before: dict[str, Any], action: str) -> None:
    after = snapshot(obj) if action != "admin_delete" else {}
    changed = changes(before, after, ignore={"updated_at", "created_at", "last_login"}) if after else {}
    for name in SECRET_FIELDS & set(changed):
        changed[name] = ["(hidden)", "(changed)"]
    if action == "admin_change" and not changed:
        return
    audit.append(obj, action=action, actor=request.user, role="administrator", payload={"changes": changed})


class AuditedAdmin:
    """Every add, change and delete in the admin (inline rows too) appends an audit event whose
    payload holds the old and new values, in the same transaction as the save."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            _audit_admin_change(request, obj, before, "admin_change" if change else "admin_add")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            _audit_admin_change(request, obj, snapshot(obj), "admin_delete")
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        befores = {
            o.pk: snapshot(type(o)._default_manager.get(pk=o.pk))
            for o in (f.instance for f in formset.forms)
            if o.pk and type(o)._default_manager.filter(pk=o.pk).exists()
        }
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                _audit_admin_change(request, obj, befores.get(obj.pk, snapshot(obj)), "admin_delete")
                obj.delete()
            for obj in instances:
                existed = obj.pk in befores
                obj.save()
                _audit_admin_change(request, obj, befores.get(obj.pk, {}), "admin_change" if existed else "admin_add")
            formset.save_m2m()


@admin.register(Borough)
class BoroughAdmin(AuditedAdmin, AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "ons_code", "inner_london"]
    search_fields = ["name", "ons_code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reference data from ONS: loaded by migration, never deleted


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin, AdministratorOnly, SimpleHistoryAdmin):
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
class UserAdmin(AuditedAdmin, AdministratorOnly, SimpleHistoryAdmin, DjangoUserAdmin):
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
class MembershipAdmin(AuditedAdmin, AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["person", "organisation", "role", "starts_on", "ends_on"]
    list_filter = ["role"]
    search_fields = ["person__full_name", "person__email", "organisation__name"]
    autocomplete_fields = ["person", "organisation"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(AuditedAdmin, AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["person", "organisation", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["person__full_name", "organisation__name"]
    autocomplete_fields = ["person", "organisation", "declared_by"]
