"""Cross-app plumbing models: the TimeStamped and Dated bases and the append-only audit chain.

AuditEvent is the one concrete model in core (STYLE.md says none): every app writes to the same
hash chain, so it cannot belong to any one of them. See ARCHITECTURE.md "Audit".
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

GENESIS_HASH = "0" * 64


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DatedQuerySet(models.QuerySet[Any]):
    def current(self, on: datetime.date | None = None) -> Self:
        """Rows in force on `on` (today): started on or before it, not yet ended."""
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class Dated(TimeStamped):
    """A row in force from `starts_on` until the day before `ends_on` (open-ended when empty):
    a role, a declared interest. Subclasses add `ends_after_start(name)` to their constraints."""

    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True, help_text="The first day it no longer applies.")

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    @staticmethod
    def ends_after_start(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name=name
        )

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start date."})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on > today)


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk writes would bypass the chain; the database triggers refuse them too."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit events are append-only.")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class AuditEvent(models.Model):
    """One attributable change: a transition, a creation or another recorded act.

    Rows are written only by core.audit.append, inside the transaction of the change they
    describe. Each row's hash covers its content and the previous row's hash.
    """

    created_at = models.DateTimeField(db_index=True)
    object_type = models.CharField(max_length=100)  # "app_label.model"
    object_id = models.CharField(max_length=64)  # text so that UUID keys fit too
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=100)  # transition name, "create", "update", ...
    source_state = models.CharField(max_length=50, blank=True)
    target_state = models.CharField(max_length=50, blank=True)
    # No database constraint: deleting a person must not rewrite (or be blocked by) the audit trail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200, blank=True)  # snapshot: survives renames and deletions
    role = models.CharField(max_length=50, blank=True)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.action} by {self.actor_name or 'system'}"

    def content(self) -> dict[str, Any]:
        """The fields the hash covers (everything but the surrogate key and the hash itself)."""
        return {
            "created_at": self.created_at.isoformat(),
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "action": self.action,
            "source_state": self.source_state,
            "target_state": self.target_state,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "role": self.role,
            "reason": self.reason,
            "payload": self.payload,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + canonical_json(self.content())).encode()).hexdigest()
