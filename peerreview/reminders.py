"""Reminders before and after every deadline, escalating: owner first, then the lead, then the
coordinator. Each reminder has a unique key in ReminderLog, so running this every few minutes never
sends the same one twice; a changed deadline (an extension) gets reminders of its own. The log row
and the email are written to the outbox in one transaction: a mail outage delays a reminder, and
never records one that will not go (ReminderLog.delivered says when it went)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.dates import add_working_days
from organisations.models import Membership
from peerreview import emails
from peerreview.models import Assignment, ReminderLog, Review

# Working days relative to the deadline, and who hears at each point beyond the owner.
OFFSETS = [(-5, ()), (-1, ()), (1, ()), (5, ("lead",)), (10, ("lead", "coordinator"))]


@dataclass
class Deadline:
    kind: str
    review: Review
    obj_pk: int
    due: datetime.date
    what: str
    owners: list[Any]


def _contacts(review: Review) -> list[Any]:
    return [
        m.person
        for m in Membership.objects.current()
        .filter(organisation=review.organisation, role="contact")
        .select_related("person")
    ]


def deadlines() -> Iterator[Deadline]:
    live = Review.objects.select_related("organisation", "coordinator")
    for review in live.filter(
        state="self_assessment", self_assessment_submitted_at__isnull=True, self_assessment_due__isnull=False
    ):
        yield Deadline(
            "self_assessment", review, review.pk, review.self_assessment_due, "The self-assessment", _contacts(review)
        )
    for review in live.filter(state="right_of_reply", replies_submitted_at__isnull=True, reply_due__isnull=False):
        yield Deadline(
            "replies", review, review.pk, review.reply_due, "Your replies to the draft report", _contacts(review)
        )
    for assignment in Assignment.objects.filter(state="invited", respond_by__isnull=False).select_related(
        "review__organisation", "review__coordinator", "reviewer"
    ):
        yield Deadline(
            "invitation",
            assignment.review,
            assignment.pk,
            assignment.respond_by,
            "Your answer to the review invitation",
            [assignment.reviewer],
        )
    for assignment in Assignment.objects.filter(
        state__in=["accepted", "returned"], review__state="desk_review", review__desk_review_due__isnull=False
    ).select_related("review__organisation", "review__coordinator", "reviewer"):
        yield Deadline(
            "desk_review",
            assignment.review,
            assignment.pk,
            assignment.review.desk_review_due,
            "Your desk review",
            [assignment.reviewer],
        )


RENEWAL_NOTICES_DAYS = (365, 182)  # about 12 and 6 months before the result expires


def renewals(today: datetime.date) -> Iterator[tuple[str, Review, datetime.date]]:
    """Reviews whose result expires within a year and that nobody has renewed yet."""
    for review in (
        Review.objects.filter(valid_until__isnull=False, valid_until__gte=today)
        .select_related("organisation", "coordinator")
        .exclude(pk__in=Review.objects.filter(previous_review__isnull=False).values("previous_review"))
    ):
        points = [d for d in RENEWAL_NOTICES_DAYS if review.valid_until - datetime.timedelta(days=d) <= today]
        if points:
            yield f"renewal:{review.pk}:{review.valid_until}:-{min(points)}d", review, review.valid_until


def send_due(today: datetime.date | None = None) -> list[str]:
    """Send every reminder now due that was never sent; return their keys."""
    today = today or timezone.localdate()
    sent = []
    for deadline in deadlines():
        due_now = [(offset, extra) for offset, extra in OFFSETS if add_working_days(deadline.due, offset) <= today]
        if not due_now:
            continue
        offset, extra = due_now[-1]  # only the latest point: no burst of stale reminders after a pause
        key = f"{deadline.kind}:{deadline.obj_pk}:{deadline.due}:{offset:+d}"
        recipients = list(deadline.owners)
        if "lead" in extra:
            recipients += [
                a.reviewer for a in deadline.review.assignments.filter(role="lead", state__in=Assignment.WORKING)
            ]
        if "coordinator" in extra:
            recipients.append(deadline.review.coordinator)
        try:
            with transaction.atomic():
                log = ReminderLog.objects.create(
                    key=key, review=deadline.review, recipients=sorted({p.email for p in recipients})
                )
                log.message_id = (
                    emails.notify_people(
                        recipients,
                        "reminder" if offset < 0 else "overdue",
                        review=deadline.review,
                        what=deadline.what,
                        due=deadline.due,
                    )
                    or ""
                )
                log.save(update_fields=["message_id"])
        except IntegrityError:
            continue  # already sent, perhaps by a run happening at the same moment
        sent.append(key)
    for key, review, expires in renewals(today):
        try:
            with transaction.atomic():
                recipients = [*_contacts(review), review.coordinator]
                log = ReminderLog.objects.create(
                    key=key, review=review, recipients=sorted({p.email for p in recipients})
                )
                log.message_id = (
                    emails.notify_people(
                        recipients, "reminder", review=review, what="Renewing the peer review result", due=expires
                    )
                    or ""
                )
                log.save(update_fields=["message_id"])
        except IntegrityError:
            continue
        sent.append(key)
    return sent
