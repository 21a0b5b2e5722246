from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from casework import reminders as case_reminders
from peerreview import reminders
from peerreview.models import ReminderRun


class Command(BaseCommand):
    help = (
        "Queue the review deadline and lifeboat task reminders that are due and were never sent. "
        "Safe to run every few minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders.send_due() + case_reminders.send_due()
        ReminderRun.objects.create(queued=len(sent))
        self.stdout.write(f"Queued {len(sent)} reminder{'s' if len(sent) != 1 else ''}.")
        for key in sent:
            self.stdout.write(f"  {key}")
