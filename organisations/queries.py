"""List-side twins of organisations.rules: the rows a person may see, as one query each."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from organisations import rules as org_rules
from organisations.models import ConflictDeclaration, User


def people_visible_to(user: Any) -> QuerySet[User]:
    """Twin of organisations.view_user."""
    if org_rules.sees_everyone(user):
        return User.objects.all()
    return User.objects.filter(pk=user.pk) if user.is_authenticated else User.objects.none()


def conflicts_visible_to(user: Any) -> QuerySet[ConflictDeclaration]:
    """Twin of organisations.view_conflictdeclaration."""
    qs = ConflictDeclaration.objects.select_related("person", "organisation", "declared_by")
    if (org_rules.is_administrator | org_rules.is_coordinator)(user):
        return qs
    return qs.filter(person=user) if user.is_authenticated else qs.none()
