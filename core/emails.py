"""One way to build an email: `make_message(template_prefix, to, context)` renders the triple
`<prefix>-subject.html`, `<prefix>-body-text.html`, `<prefix>-body-html.html` (healthchecks' layout).

One way to send it: `queue_email` (or `send_message` for a built message). With the outbox on
(settings.EMAIL_OUTBOX, the production default) the message becomes a row in django-mailer's queue
in the caller's transaction: it exists exactly when the change that caused it was committed, and a
mail outage cannot turn a completed step into an error page. `deliver_outbox` (run by the worker)
sends the queue, and tries failed messages again with exponential backoff.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

OUTBOX_BACKEND = "mailer.backend.DbBackend"


def make_message(prefix: str, to: Sequence[str], context: dict[str, Any]) -> EmailMultiAlternatives:
    context = {"site_name": settings.SITE_NAME, **context}
    # Subjects and text bodies are plain text: their templates switch autoescape off
    # (tests/test_bad_input.py checks every one).
    subject = " ".join(render_to_string(f"{prefix}-subject.html", context).split())
    text = render_to_string(f"{prefix}-body-text.html", context)
    html = render_to_string(f"{prefix}-body-html.html", context)
    # The Message-ID is fixed now so that the outbox's delivery log can be joined to whatever
    # recorded the message (a reminder counts as sent only once that log says delivered).
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to), headers={"Message-ID": make_msgid()})
    message.attach_alternative(html, "text/html")
    return message


def outbox_on() -> bool:
    return settings.EMAIL_BACKEND == OUTBOX_BACKEND


def send_message(message: EmailMultiAlternatives) -> str:
    """Queue `message` in the caller's transaction (outbox) or send it after commit; return its Message-ID."""
    if outbox_on():
        message.send()
    else:
        transaction.on_commit(lambda: _send_now(message))
    return str(message.extra_headers["Message-ID"])


def _send_now(message: EmailMultiAlternatives) -> None:
    try:
        message.send(fail_silently=False)
    except Exception:  # the change is committed: a mail failure must not become an error page
        logger.exception("Could not send %r to %s", message.subject, message.to)


def queue_email(prefix: str, to: Sequence[str], context: dict[str, Any]) -> str | None:
    """Render now (the data is at hand) and send through the outbox; None when nobody is to be told."""
    if not to:
        return None
    return send_message(make_message(prefix, to, context))


# --- the worker's side -------------------------------------------------------------------------


def defer_on_failure(connection: Any, message: Any, exc: Exception) -> tuple[None, str]:
    """django-mailer's error handler: any failure defers the message and logs it (never crashes the worker)."""
    from mailer.models import RESULT_FAILURE, MessageLog

    message.defer()
    MessageLog.objects.log(message, RESULT_FAILURE, log_message=f"{type(exc).__name__}: {exc}")
    logger.warning("Mail deferred (%s): %s", type(exc).__name__, exc)
    return None, "deferred"


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4, ... times the first wait, capped."""
    first: datetime.timedelta = settings.OUTBOX_FIRST_BACKOFF
    cap: datetime.timedelta = settings.OUTBOX_MAX_BACKOFF
    return min(first * (1 << max(attempts - 1, 0)), cap)


def retry_due(now: datetime.datetime | None = None) -> int:
    """Put back in the queue every deferred message whose backoff has passed; return how many."""
    from mailer.models import PRIORITY_DEFERRED, PRIORITY_MEDIUM, RESULT_FAILURE, Message, MessageLog

    now = now or timezone.now()
    deferred = list(Message.objects.deferred().filter(retry_count__lt=settings.OUTBOX_MAX_ATTEMPTS - 1))
    if not deferred:
        return 0
    ids = [m.email.extra_headers.get("Message-ID") for m in deferred]
    last_failure = dict(
        MessageLog.objects.filter(message_id__in=[i for i in ids if i], result=RESULT_FAILURE)
        .values("message_id")
        .annotate(last=Max("when_attempted"))
        .values_list("message_id", "last")
    )
    retried = 0
    for message, message_id in zip(deferred, ids, strict=True):
        last = last_failure.get(message_id)
        if last is not None and now < last + backoff(message.retry_count + 1):
            continue
        retried += Message.objects.filter(pk=message.pk, priority=PRIORITY_DEFERRED).update(
            priority=PRIORITY_MEDIUM, retry_count=F("retry_count") + 1
        )
    return retried


def deliver_outbox(now: datetime.datetime | None = None) -> None:
    """One round of the worker: retry what is due, then send everything queued."""
    from mailer import engine

    retry_due(now)
    engine.send_all()


def delivered(message_ids: Sequence[str]) -> set[str]:
    """The Message-IDs among `message_ids` that the mail server accepted."""
    from mailer.models import RESULT_SUCCESS, MessageLog

    return set(
        MessageLog.objects.filter(message_id__in=list(message_ids), result=RESULT_SUCCESS).values_list(
            "message_id", flat=True
        )
    )


def queue_depth() -> dict[str, int]:
    """Messages waiting, and messages given up after every attempt."""
    from mailer.models import Message

    return {
        "waiting": Message.objects.count(),
        "given_up": Message.objects.deferred().filter(retry_count__gte=settings.OUTBOX_MAX_ATTEMPTS - 1).count(),
    }
