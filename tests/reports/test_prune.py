"""`manage.py prune` applies the retention schedule: old rows go, recent rows stay."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from mailer.models import RESULT_SUCCESS, MessageLog

from peerreview.models import ReminderRun

pytestmark = pytest.mark.integration


def _aged(model, field: str, days: int, **fields):
    row = model.objects.create(**fields)
    model.objects.filter(pk=row.pk).update(**{field: timezone.now() - datetime.timedelta(days=days)})
    return row


def _access(model, days: int):
    extra = {"failures_since_start": 1} if model is AccessAttempt else {}
    return _aged(
        model,
        "attempt_time",
        days,
        username="a@example.org",
        ip_address="192.0.2.1",
        user_agent=f"agent {days}",
        **extra,
    )


def test_prune_deletes_only_what_the_schedule_says(db, settings, capsys):
    settings.RETENTION_DAYS = {"sign_in_logs": 90, "mail_log": 30, "reminder_runs": 7}
    _access(AccessLog, 91)
    new_log = _access(AccessLog, 89)
    _access(AccessAttempt, 91)
    new_attempt = _access(AccessAttempt, 1)
    mail_fields = {"when_added": timezone.now(), "priority": 2, "result": RESULT_SUCCESS}
    _aged(MessageLog, "when_attempted", 31, **mail_fields)
    new_mail = _aged(MessageLog, "when_attempted", 29, **mail_fields)
    _aged(ReminderRun, "finished_at", 8)
    new_run = _aged(ReminderRun, "finished_at", 6)
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - datetime.timedelta(1))

    call_command("prune", "--dry-run")
    assert AccessLog.objects.count() == 2  # a dry run deletes nothing
    call_command("prune")
    out = capsys.readouterr().out
    assert "Deleted 1 expired sessions" in out

    assert list(AccessLog.objects.all()) == [new_log]
    assert list(AccessAttempt.objects.all()) == [new_attempt]
    assert list(MessageLog.objects.all()) == [new_mail]
    assert list(ReminderRun.objects.all()) == [new_run]
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
