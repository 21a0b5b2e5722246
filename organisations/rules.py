"""Who may do what with organisations, people, memberships and conflict declarations.

Role predicates here are the building blocks every other app's rules.py reuses.
The list pages ask `organisations.queries`, the SQL twins of these predicates.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q

from organisations.models import Membership

Role = Membership.Role


def _has_role(*roles: str) -> Any:
    @rules.predicate(name=f"has_role({','.join(roles)})")
    def predicate(user: Any) -> bool:
        return bool(user.is_authenticated and user.is_active and user.has_role(*roles))

    return predicate


is_signed_in = rules.is_authenticated & rules.is_active


@rules.predicate
def is_administrator(user: Any) -> bool:
    """The person administers the system."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(Role.ADMINISTRATOR)))


is_coordinator = _has_role(Role.COORDINATOR)
is_steward = _has_role(Role.STEWARD)
is_reviewer = _has_role(Role.REVIEWER, Role.LEAD_REVIEWER)
is_contact = _has_role(Role.CONTACT)
is_caseworker = _has_role(Role.CASEWORKER)
is_panel_member = _has_role(Role.PANEL_MEMBER)
is_funder_reader = _has_role(Role.FUNDER_READER)
is_participant = _has_role(Role.PARTICIPANT)
# Peers who hold the judgement (a term on a standing panel), not hub staff.
is_quality_panel_member = _has_role(Role.QUALITY_PANEL)
is_appeals_group_member = _has_role(Role.APPEALS_GROUP)

# Hub staff who need to see everyone: to build panels, to run cases, to administer.
sees_everyone = is_administrator | is_coordinator | is_caseworker


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    """The person is looking at their own record."""
    return person is not None and user.is_authenticated and person.pk == user.pk


@rules.predicate
def is_contact_of_organisation(user: Any, organisation: Any) -> bool:
    """The person is a current contact of this organisation."""
    return organisation is not None and user.is_authenticated and user.has_role(Role.CONTACT, organisation=organisation)


@rules.predicate
def is_responsible_person_of_organisation(user: Any, organisation: Any) -> bool:
    """The person is the organisation's nominated responsible person (signs off its replies)."""
    return (
        organisation is not None
        and user.is_authenticated
        and user.has_role(Role.RESPONSIBLE_PERSON, organisation=organisation)
    )


@rules.predicate
def is_declarant(user: Any, declaration: Any) -> bool:
    """The declaration is about the person themselves."""
    return declaration is not None and user.is_authenticated and declaration.person_id == user.pk


@rules.predicate
def works_on_case_of(user: Any, organisation: Any) -> bool:
    """The person owns or works on a lifeboat case of this organisation."""
    if organisation is None or not user.is_authenticated:
        return False
    # `cases` is the reverse side of casework.Case.organisation: no import against the layers.
    return organisation.cases.filter(Q(owner=user) | Q(team=user)).exists()


# Organisations: a directory every signed-in person can read.
rules.add_perm("organisations.view_organisation", is_signed_in)
# "In difficulty" is a lifeboat fact: administrators, the lifeboat panel, the organisation's own
# case team and its own contacts only (issue #16). Without an organisation (filters):
# administrators and the panel.
rules.add_perm(
    "organisations.view_difficulty",
    is_administrator | is_panel_member | is_contact_of_organisation | (is_caseworker & works_on_case_of),
)
rules.add_perm("organisations.add_organisation", is_administrator)
rules.add_perm("organisations.change_organisation", is_administrator | is_coordinator | is_contact_of_organisation)
rules.add_perm("organisations.view_borough", is_signed_in)

# People: yourself, and hub staff who need the whole list.
rules.add_perm("organisations.view_user", is_self | sees_everyone)
rules.add_perm("organisations.list_user", sees_everyone)

# Roles are granted and ended by administrators only.
rules.add_perm("organisations.add_membership", is_administrator)
rules.add_perm("organisations.end_membership", is_administrator)

# Conflicts: declared by the person (or by hub staff on their behalf); seen by them and hub staff.
rules.add_perm("organisations.add_conflictdeclaration", is_signed_in)
rules.add_perm("organisations.declare_conflict_for_others", is_administrator | is_coordinator)
rules.add_perm("organisations.view_conflictdeclaration", is_declarant | is_administrator | is_coordinator)
rules.add_perm("organisations.end_conflictdeclaration", is_declarant | is_administrator | is_coordinator)

# The audit log of the whole system.
rules.add_perm("core.view_auditevent", is_administrator)
