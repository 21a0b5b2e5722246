import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.dates import add_working_days
from peerreview import workflow
from peerreview.models import ReminderLog

pytestmark = pytest.mark.integration


@pytest.fixture
def open_self_assessment(review, coordinator):
    return workflow.start_self_assessment(review, by=coordinator)


def _send_at(day: datetime.date, callbacks) -> list[str]:
    from peerreview import reminders

    with time_machine.travel(datetime.datetime.combine(day, datetime.time(9)), tick=False), callbacks(execute=True):
        return reminders.send_due()


def test_reminders_are_sent_once_and_escalate(
    open_self_assessment, contact, coordinator, django_capture_on_commit_callbacks
):
    due = open_self_assessment.self_assessment_due
    assert _send_at(add_working_days(due, -6), django_capture_on_commit_callbacks) == []
    first = _send_at(add_working_days(due, -5), django_capture_on_commit_callbacks)
    assert first == [f"self_assessment:{open_self_assessment.pk}:{due}:-5"]
    assert _send_at(add_working_days(due, -5), django_capture_on_commit_callbacks) == []  # never twice
    assert mail.outbox[-1].to == [contact.email] and mail.outbox[-1].subject.startswith("Reminder")
    late = _send_at(add_working_days(due, 10), django_capture_on_commit_callbacks)
    assert late == [f"self_assessment:{open_self_assessment.pk}:{due}:+10"]
    assert set(mail.outbox[-1].to) == {contact.email, coordinator.email}
    assert mail.outbox[-1].subject.startswith("Overdue")
    assert ReminderLog.objects.count() == 2


def test_submitted_work_gets_no_reminder(open_self_assessment, django_capture_on_commit_callbacks):
    open_self_assessment.self_assessment_submitted_at = open_self_assessment.created_at
    open_self_assessment.save()
    assert (
        _send_at(add_working_days(open_self_assessment.self_assessment_due, 1), django_capture_on_commit_callbacks)
        == []
    )


def test_command_reports_what_it_sent(open_self_assessment, capsys):
    with time_machine.travel(
        datetime.datetime.combine(open_self_assessment.self_assessment_due, datetime.time(9))
        + datetime.timedelta(days=20),
        tick=False,
    ):
        call_command("send_reminders")
        call_command("send_reminders")
    out = capsys.readouterr().out
    assert "Queued 1 reminder." in out and "Queued 0 reminders." in out


def test_renewal_notices_before_the_result_expires(review, coordinator, contact, django_capture_on_commit_callbacks):
    review.valid_until = timezone.localdate() + datetime.timedelta(days=400)
    review.save()
    assert _send_at(timezone.localdate(), django_capture_on_commit_callbacks) == []
    keys = _send_at(review.valid_until - datetime.timedelta(days=300), django_capture_on_commit_callbacks)
    assert keys == [f"renewal:{review.pk}:{review.valid_until}:-365d"]
    assert set(mail.outbox[-1].to) == {contact.email, coordinator.email}
    assert _send_at(review.valid_until - datetime.timedelta(days=300), django_capture_on_commit_callbacks) == []
    assert len(_send_at(review.valid_until - datetime.timedelta(days=100), django_capture_on_commit_callbacks)) == 1
