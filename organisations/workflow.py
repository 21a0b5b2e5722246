"""Operations on organisations, people and roles: the same functions serve views, admin and seeding.

Each one saves with the actor as history user and appends an audit event in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import audit
from core.emails import queue_email
from core.workflow import save_with_history, snapshot
from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User
from organisations.tokens import invitation_token


def acting_role(user: User, *preferred: str) -> str:
    """The role a person acts in: the first of `preferred` they hold (administrator if superuser)."""
    if user is None:
        return "system"
    for role in preferred:
        if user.has_role(role) or (role == Membership.Role.ADMINISTRATOR and user.is_superuser):
            return role
    return ""


def _save(obj: Any, *, by: User, reason: str) -> None:
    save_with_history(obj, by=by, reason=reason, clean=True)


def register_organisation(*, by: User, boroughs: Iterable[Borough] = (), **fields: Any) -> Organisation:
    """Create an organisation. Side effects: history row, audit event "create"."""
    with transaction.atomic():
        organisation = Organisation(**fields)
        _save(organisation, by=by, reason="create")
        organisation.boroughs.set(list(boroughs))
        audit.append(organisation, action="create", actor=by, role=acting_role(by, "administrator"))
    return organisation


def update_organisation(
    organisation: Organisation, *, by: User, boroughs: Iterable[Borough] | None = None, **fields: Any
) -> Organisation:
    """Change an organisation's details. Side effects: history row, audit event "update" with the changes."""
    with transaction.atomic():
        before = snapshot(organisation)
        before_boroughs = sorted(organisation.boroughs.values_list("ons_code", flat=True))
        for name, value in fields.items():
            setattr(organisation, name, value)
        _save(organisation, by=by, reason="update")
        changes = {k: [before[k], v] for k, v in snapshot(organisation).items() if before[k] != v and k != "updated_at"}
        if boroughs is not None:
            organisation.boroughs.set(list(boroughs))
            after_boroughs = sorted(b.ons_code for b in boroughs)
            if after_boroughs != before_boroughs:
                changes["boroughs"] = [before_boroughs, after_boroughs]
        audit.append(
            organisation,
            action="update",
            actor=by,
            role=acting_role(by, "administrator", "coordinator", "contact"),
            payload={"changes": changes},
        )
    return organisation


def create_person(
    *, by: User, email: str, full_name: str, password: str | None = None, password_hash: str | None = None
) -> User:
    """Create a person who signs in with `email`. Side effects: history row, audit event "create".

    Without a password they are sent an invitation to set one (`invite_person`).
    `password_hash` (from make_password) lets bulk loads hash a shared password once.
    """
    with transaction.atomic():
        person = User(email=User.objects.normalize_email(email).lower(), full_name=full_name)
        if password_hash:
            person.password = password_hash
        else:
            person.set_password(password)
        _save(person, by=by, reason="create")
        audit.append(person, action="create", actor=by, role=acting_role(by, "administrator"))
        if not person.has_usable_password():
            invite_person(person, by=by)
    return person


def invitation_link(person: User) -> str:
    """The single-use set-password link of `person`'s current invitation."""
    path = reverse(
        "invitation-accept",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(person.pk)), "token": invitation_token.make_token(person)},
    )
    return f"{settings.SITE_URL}{path}"


def invite_person(person: User, *, by: User) -> User:
    """Send (or send again) an invitation with a single-use, expiring set-password link.

    Side effects: `invited_at` stamped (which kills any earlier link), history row, audit event
    "invite" ("reinvite" when one was outstanding), the email queued in the same transaction.
    Refused for someone who can already sign in: they use "forgot password".
    """
    if person.has_usable_password():
        raise ValidationError(f"{person.full_name} already has a password: they can use “Forgot your password?”.")
    if not person.is_active:
        raise ValidationError(f"{person.full_name}'s account is switched off, so they cannot be invited.")
    with transaction.atomic():
        before = person.invited_at
        person.invited_at = timezone.now()
        _save(person, by=by, reason="invite")
        audit.append(
            person,
            action="reinvite" if before else "invite",
            actor=by,
            role=acting_role(by, "administrator"),
            payload={
                "changes": {"invited_at": [before.isoformat() if before else None, person.invited_at.isoformat()]}
            },
        )
        queue_email(
            "emails/organisations/invitation",
            [person.email],
            {
                "person": person,
                "invited_by": getattr(by, "full_name", ""),
                "link": invitation_link(person),
                "expires_on": timezone.localdate() + datetime.timedelta(days=settings.INVITATION_TIMEOUT_DAYS),
            },
        )
    return person


def revoke_invitation(person: User, *, by: User, reason: str = "") -> User:
    """Make the outstanding invitation's link useless. Side effects: history row, audit event "revoke_invitation"."""
    if person.invited_at is None:
        raise ValidationError(f"{person.full_name} has no invitation waiting to be used.")
    with transaction.atomic():
        before = person.invited_at
        person.invited_at = None
        _save(person, by=by, reason="revoke_invitation")
        audit.append(
            person,
            action="revoke_invitation",
            actor=by,
            role=acting_role(by, "administrator"),
            reason=reason,
            payload={"changes": {"invited_at": [before.isoformat(), None]}},
        )
    return person


def accept_invitation(person: User, *, password: str) -> User:
    """Set the invited person's first password, using up the invitation. Side effects: history, audit event."""
    with transaction.atomic():
        person.set_password(password)
        person.invited_at = None
        _save(person, by=person, reason="accept_invitation")
        audit.append(person, action="accept_invitation", actor=person, role="")
    return person


def grant_membership(
    person: User,
    organisation: Organisation,
    role: str,
    *,
    by: User,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    job_title: str = "",
) -> Membership:
    """Give `person` a role in `organisation`. Side effects: history row, audit event "grant"."""
    with transaction.atomic():
        membership = Membership(
            person=person,
            organisation=organisation,
            role=role,
            starts_on=starts_on or timezone.localdate(),
            ends_on=ends_on,
            job_title=job_title,
        )
        _save(membership, by=by, reason="grant")
        audit.append(
            membership,
            action="grant",
            actor=by,
            role=acting_role(by, "administrator"),
            payload={"person": person.pk, "organisation": organisation.pk, "role": role},
        )
        # A first role for someone who cannot sign in yet and holds no invitation: invite them now.
        first_role = not person.memberships.exclude(pk=membership.pk).exists()
        if first_role and person.is_active and not person.has_usable_password() and person.invited_at is None:
            invite_person(person, by=by)
    return membership


def end_membership(
    membership: Membership, *, by: User, ends_on: datetime.date | None = None, reason: str = ""
) -> Membership:
    """End a role on `ends_on` (today by default). Side effects: history row, audit event "end"."""
    with transaction.atomic():
        membership.ends_on = ends_on or timezone.localdate()
        _save(membership, by=by, reason="end")
        audit.append(
            membership,
            action="end",
            actor=by,
            role=acting_role(by, "administrator"),
            reason=reason,
            payload={"ends_on": membership.ends_on.isoformat()},
        )
    return membership


def declare_conflict(
    person: User,
    organisation: Organisation,
    *,
    by: User,
    kind: str,
    reason: str,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> ConflictDeclaration:
    """Record a conflict of interest. Side effects: history row, audit event "declare"."""
    with transaction.atomic():
        declaration = ConflictDeclaration(
            person=person,
            organisation=organisation,
            kind=kind,
            reason=reason,
            starts_on=starts_on or timezone.localdate(),
            ends_on=ends_on,
            declared_by=by,
        )
        _save(declaration, by=by, reason="declare")
        role = "" if by.pk == person.pk else acting_role(by, "administrator", "coordinator")
        audit.append(
            declaration,
            action="declare",
            actor=by,
            role=role,
            reason=reason,
            payload={"person": person.pk, "organisation": organisation.pk, "kind": kind},
        )
    return declaration


def end_conflict(
    declaration: ConflictDeclaration, *, by: User, ends_on: datetime.date | None = None
) -> ConflictDeclaration:
    """Mark a declared interest as ended. Side effects: history row, audit event "end"."""
    with transaction.atomic():
        ends_on = ends_on or timezone.localdate()
        declaration.ends_on = max(ends_on, declaration.starts_on)
        _save(declaration, by=by, reason="end")
        audit.append(declaration, action="end", actor=by, payload={"ends_on": declaration.ends_on.isoformat()})
    return declaration
