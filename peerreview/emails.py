"""Who is told what, and in which words. One template triple (emails/peerreview/notice-*) lays
them out; the words for each notice live in NOTICES, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from core.emails import queue_email
from organisations.models import Membership

NOTICES: dict[str, tuple[str, str]] = {
    "self_assessment_open": (
        "Your self-assessment is open",
        "Please complete your self-assessment by {due}. Rate each indicator and add evidence, "
        "or say why there is none.",
    ),
    "self_assessment_returned": ("Your self-assessment needs more work", "The coordinator returned it: {reason}"),
    "self_assessment_submitted": ("A self-assessment has been submitted", "{org} has submitted its self-assessment."),
    "invitation": (
        "Invitation to join a peer review panel",
        "You are invited to review {org}. Please accept or decline by {respond_by}.",
    ),
    "invitation_accepted": ("A reviewer accepted", "{reviewer} accepted the invitation to review {org}."),
    "invitation_declined": ("A reviewer declined", "{reviewer} declined the invitation to review {org}."),
    "desk_review_open": (
        "The desk review has started",
        "Please submit your ratings and notes for {org} by {desk_due}.",
    ),
    "desk_review_submitted": ("A desk review was submitted", "{reviewer} submitted their desk review of {org}."),
    "draft_issued": (
        "Your draft report is ready for your reply",
        "Please accept or challenge each finding by {reply_due}. Challenges must be (A) a typing error "
        "or wrong figure, (B) factually wrong, with evidence, or (C) evidence that existed but was missed.",
    ),
    "replies_submitted": ("Replies received", "{org} has submitted its replies to the draft report."),
    "extension_requested": ("Extension requested", "{org} has asked for more time to reply."),
    "extension_decided": ("Your extension request", "Your request was {granted_word}: {reason}"),
    "published": ("Your peer review report is published", "The final report for {org} is published."),
    "challenge_decided": (
        "Your challenge has been decided",
        "A quality panel member decided your challenge to a finding about {org}: {decision}. The reason: {reason}",
    ),
    "appeal_lodged": ("An appeal has been lodged", "{org} has appealed against its published review."),
    "appeal_decided": (
        "Your appeal has been decided",
        "A member of the appeals group decided your appeal: {decision}. The reason: {reason}",
    ),
    "lifeboat_referral": (
        "Your organisation has been referred to the lifeboat",
        "Following the agreed findings of your peer review, the hub coordinator has referred {org} to the "
        "lifeboat scheme for support. A caseworker will be in touch.",
    ),
    "reminder": ("Reminder: {what}", "{what} is due on {due}."),
    "overdue": ("Overdue: {what}", "{what} was due on {due} and is now overdue."),
}


def _context(review: Any, name: str, **extra: Any) -> dict[str, Any]:
    assignment = extra.get("assignment")
    values = {
        "org": review.organisation.name,
        "due": extra.get("due") or review.self_assessment_due,
        "desk_due": review.desk_review_due,
        "reply_due": review.reply_due,
        "respond_by": getattr(assignment, "respond_by", ""),
        "reviewer": getattr(getattr(assignment, "reviewer", None), "full_name", ""),
        "reason": extra.get("reason", ""),
        "granted_word": "granted" if extra.get("granted") else "refused",
        "what": extra.get("what", ""),
        "decision": extra.get("decision", ""),
    }
    subject, body = NOTICES[name]
    return {
        "subject": subject.format(**values),
        "body": body.format(**values),
        "review": review,
        "link": f"{getattr(settings, 'SITE_URL', '')}{review.get_absolute_url()}",
    }


def notify_people(people: Iterable[Any], name: str, *, review: Any, **extra: Any) -> str | None:
    """Queue the notice for `people` in the caller's transaction; return its Message-ID (None if nobody)."""
    emails = sorted({p.email for p in people if p.is_active})
    return queue_email("emails/peerreview/notice", emails, _context(review, name, **extra))


def notify_contacts(review: Any, name: str, **extra: Any) -> None:
    contacts = Membership.objects.current().filter(organisation=review.organisation, role=Membership.Role.CONTACT)
    notify_people([m.person for m in contacts.select_related("person")], name, review=review, **extra)


def notify_coordinator(review: Any, name: str, **extra: Any) -> None:
    notify_people([review.coordinator], name, review=review, **extra)
