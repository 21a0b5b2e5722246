"""Casework tools every pathway uses: tasks with due dates, and documents in named evidence slots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from casework.models.case import Case
from core.audit import audited_history
from core.dates import not_in_future
from core.models import TimeStamped

User = settings.AUTH_USER_MODEL


class Task(TimeStamped):
    """Something someone on the case must do by a date; reminders go out through send_reminders.
    A task may belong to a closure register item (its checklist line)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    assignee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_tasks")
    item = models.ForeignKey(
        "casework.RegisterItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set when the task was closed without being done (its case closed, was declined or withdrawn):
    # done_at then says when, done_by stays blank, and no reminder goes out.
    closed_reason = models.CharField(max_length=200, blank=True)
    reminders_sent = models.JSONField(default=list, blank=True)  # "before" / "overdue" / "escalated"

    history = audited_history()

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="task_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


def case_document_path(instance: CaseDocument, filename: str) -> str:
    return f"casework/case-{instance.case_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class CaseDocument(TimeStamped):
    """A document in a named evidence slot (board resolution, accounts, consents…); guards check
    slots, e.g. the closure's final accounts. Served only through the case's permission check."""

    class Slot(models.TextChoices):
        BOARD_RESOLUTION = "board_resolution", "Board resolution"
        MEMBERS_RESOLUTION = "members_resolution", "Members' resolution"
        ACCOUNTS = "accounts", "Accounts"
        CASH_FORECAST = "cash_forecast", "13-week cash forecast"
        CONSENT = "consent", "Consent (funder, regulator, landlord…)"
        AGREEMENT = "agreement", "Signed agreement"
        EXIT_REPORT = "exit_report", "Exit report"
        FINAL_ACCOUNTS = "final_accounts", "Final accounts"
        DISSOLUTION = "dissolution", "Dissolution evidence (regulator removal, DS01, CIO application)"
        OTHER = "other", "Other"

    # The slots the organisation's own contacts see and fill (casework.view_shared_document,
    # casework.provide_evidence): its own evidence. "Other" stays with the case team.
    ORGANISATION_SLOTS = frozenset(set(Slot.values) - {Slot.OTHER})

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    slot = models.CharField(max_length=30, choices=Slot.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=case_document_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    dated_on = models.DateField(validators=[not_in_future], help_text="The date of the document itself.")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["case", "slot", "-dated_on"]

    def __str__(self) -> str:
        return self.title
