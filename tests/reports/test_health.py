"""/health/: database, cache and storage (django-health-check), plus the outbox and the reminders."""

import datetime
import json

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone
from mailer.models import Message

from peerreview.models import ReminderRun

pytestmark = pytest.mark.integration


def _health(client):
    response = client.get("/health/?format=json")
    return response.status_code, json.loads(response.content)


def _failing(body: dict) -> list[str]:
    return sorted(name for name, status in body.items() if status != "OK" and status != "working")


def test_health_is_green_on_a_fresh_installation(client, db):
    status, body = _health(client)
    assert status == 200, body
    assert len(body) == 5


def test_health_fails_when_reminders_are_stale(client, db, settings):
    run = ReminderRun.objects.create()
    run.finished_at = timezone.now() - datetime.timedelta(minutes=settings.HEALTH_REMINDERS_MAX_AGE_MINUTES + 5)
    run.save()
    status, body = _health(client)
    assert status == 500
    assert [k for k in _failing(body) if "Reminders" in k] != []
    ReminderRun.objects.create()
    assert _health(client)[0] == 200


def test_health_fails_when_mail_was_given_up(client, db, settings):
    message = Message(email=EmailMessage("S", "B", to=["a@example.org"]), priority=4)
    message.retry_count = settings.OUTBOX_MAX_ATTEMPTS
    message.save()
    status, body = _health(client)
    assert status == 500
    assert [k for k in _failing(body) if "Outbox" in k] != []


def test_health_fails_when_the_worker_never_ran_on_an_old_installation(client, db, settings):
    from django.db.migrations.recorder import MigrationRecorder

    settings.HEALTH_REMINDERS_MAX_AGE_MINUTES = 60
    assert _health(client)[0] == 200  # just installed: the worker has an hour for its first run
    MigrationRecorder.Migration.objects.update(applied=timezone.now() - datetime.timedelta(hours=2))
    status, body = _health(client)
    assert status == 500
    assert any("never run" in str(v) for v in body.values()), body
