"""Reminders for lifeboat tasks: the day before the due date (working days), the day after it, and
after five working days overdue also to the case owner. Each point is sent once per due date: the
keys sent are kept on the task, so `send_reminders` can run every few minutes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.models import Task
from core.dates import add_working_days
from core.emails import queue_email

# (working days from the due date, key, whether the case owner hears too)
POINTS = [(-1, "before", False), (1, "overdue", False), (5, "escalated", True)]


def send_due(today: datetime.date | None = None) -> list[str]:
    """Send every task reminder now due and never sent; return their keys."""
    today = today or timezone.localdate()
    sent = []
    open_tasks = Task.objects.filter(done_at__isnull=True, case__state__in=["active", "on_hold", "escalated"])
    for task in open_tasks.select_related("case__organisation", "case__owner", "assignee"):
        due_now = [(o, k, owner) for o, k, owner in POINTS if add_working_days(task.due_on, o) <= today]
        if not due_now:
            continue
        offset, point, tell_owner = due_now[-1]  # only the latest point after a pause
        key = f"{point}:{task.due_on}"
        with transaction.atomic():
            locked = Task.objects.select_for_update().get(pk=task.pk)
            if key in locked.reminders_sent:
                continue
            locked.reminders_sent = [*locked.reminders_sent, key]
            locked.save(update_fields=["reminders_sent"])  # bookkeeping only: no history row needed
            recipients = {task.assignee.email}
            if tell_owner:
                recipients.add(task.case.owner.email)
            queue_email(
                "emails/casework/task",
                sorted(recipients),
                {
                    "task": task,
                    "overdue": offset > 0,
                    "link": f"{getattr(settings, 'SITE_URL', '')}{task.case.get_absolute_url()}#tasks",
                },
            )
        sent.append(f"task:{task.pk}:{key}")
    return sent
