"""Who may do what with frameworks, versions and consultation comments."""

from __future__ import annotations

from typing import Any

import rules

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator, is_signed_in, is_steward

Role = Membership.Role

# Roles whose holders take part in consultations.
CONSULTEE_ROLES = (
    Role.PARTICIPANT,
    Role.CONTACT,
    Role.REVIEWER,
    Role.LEAD_REVIEWER,
    Role.FUNDER_READER,
    Role.STEWARD,
    Role.COORDINATOR,
)


def _framework_of(obj: Any) -> Any:
    """The framework of a framework, version or comment."""
    if hasattr(obj, "version"):
        obj = obj.version
    return getattr(obj, "framework", obj)


@rules.predicate
def is_steward_of_framework(user: Any, obj: Any) -> bool:
    """The person is a steward of one of the framework's owning organisations."""
    if obj is None or not user.is_authenticated:
        return False
    owners = {o.pk for o in _framework_of(obj).owners.all()}
    return bool(user.organisations_with_role(Role.STEWARD) & owners)


@rules.predicate
def is_public_version(user: Any, version: Any) -> bool:
    """The version has left draft: anyone may read it."""
    return version is not None and version.state != "draft"


@rules.predicate
def consultation_is_open(user: Any, version: Any) -> bool:
    """The version is in consultation and today is within its dates."""
    return version is not None and version.consultation_is_open()


@rules.predicate
def is_consultee(user: Any) -> bool:
    """The person holds a role that takes part in consultations."""
    return bool(user.is_authenticated and user.has_role(*CONSULTEE_ROLES))


manages_framework = is_steward_of_framework | is_administrator

rules.add_perm("standards.view_framework", rules.always_allow)
rules.add_perm("standards.add_framework", is_steward | is_administrator)
rules.add_perm("standards.change_framework", manages_framework)
rules.add_perm("standards.view_frameworkversion", is_public_version | manages_framework | is_coordinator)
rules.add_perm("standards.manage_frameworkversion", manages_framework)
rules.add_perm("standards.comment_frameworkversion", is_signed_in & is_consultee & consultation_is_open)
rules.add_perm("standards.answer_comment", manages_framework)
