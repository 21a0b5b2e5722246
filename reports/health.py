"""Our own checks for /health/ (django-health-check runs them beside its database, cache and storage
checks): the outbox is not backing up or giving up, and the worker has run the reminders lately."""

from __future__ import annotations

import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from core.emails import queue_depth
from peerreview.models import ReminderRun


@dataclasses.dataclass
class Outbox(HealthCheck):
    """Fails when more mail waits than HEALTH_OUTBOX_MAX_WAITING, or any message was given up."""

    async def run(self) -> None:
        # thread_sensitive: the ORM runs on the request's own thread (and database connection)
        await sync_to_async(self.check)()

    def check(self) -> None:
        depth = queue_depth()
        if depth["given_up"]:
            raise ServiceUnavailable(f"{depth['given_up']} email(s) could not be delivered after every retry")
        if depth["waiting"] > settings.HEALTH_OUTBOX_MAX_WAITING:
            raise ServiceWarning(f"{depth['waiting']} emails are waiting: is the worker running?")


@dataclasses.dataclass
class Reminders(HealthCheck):
    """Fails when the reminders last ran longer ago than HEALTH_REMINDERS_MAX_AGE_MINUTES.

    A new installation is given that long (counted from its first migration) for the worker's first run.
    """

    async def run(self) -> None:
        await sync_to_async(self.check)()

    def check(self) -> None:
        limit = timezone.now() - datetime.timedelta(minutes=settings.HEALTH_REMINDERS_MAX_AGE_MINUTES)
        last = ReminderRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
        if last is None:
            first_migration = MigrationRecorder.Migration.objects.order_by("applied").first()
            if first_migration is None or first_migration.applied > limit:
                return
            raise ServiceUnavailable("The reminders have never run: start the worker (manage.py run_worker)")
        if last < limit:
            raise ServiceUnavailable(f"The reminders last ran at {timezone.localtime(last):%d %B %Y %H:%M}")
