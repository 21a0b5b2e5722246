"""Apply the retention schedule (settings.RETENTION_DAYS): `manage.py prune [--dry-run]`.

Deletes expired sessions, sign-in records (django-axes) older than their period, the outbox's
delivery log, and old reminder-run markers. Run it daily (the worker does not; see README "Deploy").
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone


def _targets(now: datetime.datetime) -> list[tuple[str, Any]]:
    days = settings.RETENTION_DAYS

    def before(key: str) -> datetime.datetime:
        return now - datetime.timedelta(days=days[key])

    targets = [("expired sessions", Session.objects.filter(expire_date__lt=now))]
    for model in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
        targets.append(
            (
                f"sign-in records ({model})",
                apps.get_model("axes", model).objects.filter(attempt_time__lt=before("sign_in_logs")),
            )
        )
    targets.append(
        (
            "mail delivery log",
            apps.get_model("mailer", "MessageLog").objects.filter(when_attempted__lt=before("mail_log")),
        )
    )
    targets.append(
        (
            "reminder runs",
            apps.get_model("peerreview", "ReminderRun").objects.filter(finished_at__lt=before("reminder_runs")),
        )
    )
    return targets


def prune(now: datetime.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what the schedule says has been kept long enough; return how many of each."""
    counts = {}
    with transaction.atomic():
        for label, queryset in _targets(now or timezone.now()):
            counts[label] = queryset.count() if dry_run else queryset.delete()[0]
    return counts


class Command(BaseCommand):
    help = "Delete personal data kept longer than the retention schedule allows (settings.RETENTION_DAYS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = prune(dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        for label, count in counts.items():
            self.stdout.write(f"{verb} {count} {label}")
