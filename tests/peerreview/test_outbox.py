"""The outbox: emails are queued in the transaction of the change, delivered by the worker, retried
with backoff while the mail server is down or refusing, and a reminder counts as sent only once the
server accepted it. The mail server here is a real SMTP server (aiosmtpd) on a free local port."""

import datetime
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from mailer.models import RESULT_FAILURE, RESULT_SUCCESS, Message, MessageLog

from core import emails
from peerreview import reminders, workflow
from peerreview.models import ReminderLog, ReminderRun

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A local SMTP server that can be down, refusing (451 to every recipient), or accepting."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.refusing = False
        self.received: list = []
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, server_hostname="localhost")
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = Server(_free_port())  # not started: the mail server is down
    settings.EMAIL_BACKEND = emails.OUTBOX_BACKEND
    settings.MAILER_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def _later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def test_queue_email_is_part_of_the_transaction(smtp, contact):
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.queue_email("emails/peerreview/notice", [contact.email], {"subject": "S", "body": "B", "link": "/"})
        raise RuntimeError("the change failed")
    assert Message.objects.count() == 0
    emails.queue_email("emails/peerreview/notice", [contact.email], {"subject": "S", "body": "B", "link": "/"})
    assert Message.objects.count() == 1


def test_start_self_assessment_with_mail_down_completes_and_delivers_later(smtp, client, review, coordinator, contact):
    client.force_login(coordinator)
    response = client.post(reverse("peerreview:review-move", args=[review.pk, "start_self_assessment"]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "self_assessment"
    assert Message.objects.count() == 1

    emails.deliver_outbox()  # the server is down: connection refused
    assert smtp.received == []
    assert list(MessageLog.objects.values_list("result", flat=True)) == [RESULT_FAILURE]
    assert Message.objects.deferred().count() == 1

    smtp.start()
    emails.deliver_outbox()  # too soon: the first backoff (a minute) has not passed
    assert smtp.received == []
    emails.deliver_outbox(now=_later(2))
    assert [e.rcpt_tos for e in smtp.received] == [[contact.email]]
    assert b"Your self-assessment is open" in smtp.received[0].content
    assert Message.objects.count() == 0
    assert sorted(MessageLog.objects.values_list("result", flat=True)) == sorted([RESULT_FAILURE, RESULT_SUCCESS])


def test_reminder_counts_as_sent_only_when_delivered(smtp, review, coordinator, contact):
    review = workflow.start_self_assessment(review, by=coordinator)
    Message.objects.all().delete()  # the opening notice is not what this test is about
    smtp.start()
    smtp.refusing = True
    today = review.self_assessment_due + datetime.timedelta(days=30)
    assert len(reminders.send_due(today)) == 1
    assert reminders.send_due(today) == []  # a second run during the outage records nothing new
    log = ReminderLog.objects.get()
    assert log.message_id and log.delivered is False

    emails.deliver_outbox()
    assert smtp.received == [] and log.delivered is False
    smtp.refusing = False
    emails.deliver_outbox(now=_later(2))
    assert len(smtp.received) == 1
    assert log.delivered is True


def test_backoff_doubles_and_is_capped(settings):
    settings.OUTBOX_FIRST_BACKOFF = datetime.timedelta(minutes=1)
    settings.OUTBOX_MAX_BACKOFF = datetime.timedelta(minutes=10)
    assert [emails.backoff(n).total_seconds() / 60 for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_gives_up_after_the_last_attempt(smtp, settings, contact):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    emails.queue_email("emails/peerreview/notice", [contact.email], {"subject": "S", "body": "B", "link": "/"})
    emails.deliver_outbox()
    emails.deliver_outbox(now=_later(2))
    emails.deliver_outbox(now=_later(60))
    assert MessageLog.objects.filter(result=RESULT_FAILURE).count() == 2
    assert emails.queue_depth() == {"waiting": 1, "given_up": 1}


def test_worker_once_runs_reminders_and_delivers(smtp, review, coordinator, contact):
    workflow.start_self_assessment(review, by=coordinator)
    smtp.start()
    call_command("run_worker", "--once")
    assert list(MessageLog.objects.values_list("result", "log_message")) == [(RESULT_SUCCESS, "")]
    assert len(smtp.received) == 1
    assert ReminderRun.objects.count() == 1
    assert Message.objects.count() == 0
