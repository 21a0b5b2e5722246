"""A small state machine that exists only in the test suite, to exercise core/ plumbing
before the real state machines arrive."""

from __future__ import annotations

from typing import Any

import rules
from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, transition

from core.audit import audited_history
from core.fields import StateField
from core.models import TimeStamped


@rules.predicate
def is_owner(user: Any, widget: Any) -> bool:
    return widget is not None and widget.owner_id == user.pk


@rules.predicate
def is_approver(user: Any, widget: Any) -> bool:
    return widget is not None and user.is_authenticated and user.has_role("coordinator")


rules.add_perm("testapp.submit_widget", is_owner)
rules.add_perm("testapp.decide_widget", is_approver & ~is_owner)


class Widget(ConcurrentTransitionMixin, TimeStamped):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    title = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = StateField(choices=State.choices, default=State.DRAFT, protected=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    history = audited_history()

    def __str__(self) -> str:
        return self.title or f"Widget {self.pk}"

    def has_title(self) -> bool:
        """The widget has a title."""
        return bool(self.title.strip())

    def acting_role(self, user: Any) -> str:
        return "owner" if user.pk == self.owner_id else "coordinator"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.SUBMITTED,
        conditions=[has_title],
        permission="testapp.submit_widget",
        custom={"style": "primary"},
    )
    def submit(self, when: Any = None) -> None:
        self.submitted_at = when

    @transition(field=state, source=State.SUBMITTED, target=State.APPROVED, permission="testapp.decide_widget")
    def approve(self) -> None:
        pass

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.REJECTED,
        permission="testapp.decide_widget",
        custom={"reason_required": True, "style": "warning"},
    )
    def reject(self) -> None:
        pass
