"""List-side twins of peerreview.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from peerreview.models import Assignment, Review

OPEN_ASSIGNMENT = ["invited", "accepted", "submitted", "returned"]


def reviews_visible_to(user: Any) -> QuerySet[Review]:
    """Twin of peerreview.view_review."""
    qs = Review.objects.select_related("organisation", "framework_version__framework", "coordinator")
    if not user.is_authenticated:
        return qs.none()
    if is_administrator(user) or is_coordinator(user):
        return qs
    contact_of = user.organisations_with_role(Membership.Role.CONTACT)
    funder_of = user.organisations_with_role(Membership.Role.FUNDER_READER)
    published = Q(published_at__isnull=False) & ~Q(state__in=["withdrawn", "cancelled"])
    # Subqueries of ids rather than joins: no duplicate rows, so no DISTINCT over every column
    # (which made PostgreSQL sort the whole visible set on disk for a funder's home page).
    assigned = Assignment.objects.filter(reviewer=user, state__in=OPEN_ASSIGNMENT).values("review_id")
    shared = Review.shared_with.through.objects.filter(organisation__in=funder_of).values("review_id")
    return qs.filter(
        Q(pk__in=assigned)
        | Q(organisation__in=contact_of)
        | (published & Q(visibility="public"))
        | (published & Q(visibility="funders", pk__in=shared))
    )


def overdue(review: Review) -> list[str]:
    """Deadlines this review has missed, in plain words."""
    today = timezone.localdate()
    late = []
    waiting_for_self_assessment = (
        review.state == Review.State.SELF_ASSESSMENT and not review.self_assessment_submitted_at
    )
    if waiting_for_self_assessment and review.self_assessment_due and review.self_assessment_due < today:
        late.append("Self-assessment")
    if review.state == Review.State.DESK_REVIEW and review.desk_review_due and review.desk_review_due < today:
        late.append("Desk review")
    waiting_for_replies = review.state == Review.State.RIGHT_OF_REPLY and not review.replies_submitted_at
    if waiting_for_replies and review.reply_due and review.reply_due < today:
        late.append("Replies")
    return late


def assignments_for(user: Any) -> QuerySet[Assignment]:
    """A reviewer's own open invitations and panel work."""
    return (
        Assignment.objects.filter(reviewer=user, state__in=OPEN_ASSIGNMENT)
        .exclude(review__state__in=["closed", "withdrawn", "cancelled"])
        .select_related("review__organisation")
    )


def workload(year: int | None = None) -> QuerySet[Any]:
    """Reviews per reviewer this year (for coordinators building panels)."""
    from django.db.models import Count

    year = year or timezone.localdate().year
    return (
        Assignment.objects.filter(created_at__year=year)
        .exclude(state__in=["declined", "replaced"])
        .values("reviewer__full_name", "reviewer_id")
        .annotate(reviews=Count("id"))
        .order_by("-reviews", "reviewer__full_name")
    )


def reciprocity() -> list[dict[str, Any]]:
    """Reviews each organisation's staff gave versus reviews it received."""
    from django.db.models import Count

    received = dict(Review.objects.values_list("organisation__name").annotate(n=Count("id")))
    given_rows = (
        Assignment.objects.exclude(state__in=["declined", "replaced"])
        .filter(reviewer__memberships__role__in=["reviewer", "lead_reviewer"])
        .values_list("reviewer__memberships__organisation__name")
        .annotate(n=Count("id", distinct=True))
    )
    given = dict(given_rows)
    names = sorted(set(received) | set(given))
    return [{"organisation": n, "given": given.get(n, 0), "received": received.get(n, 0)} for n in names]


def pipeline() -> list[dict[str, Any]]:
    """The coordinator's view: open reviews by stage, with what is overdue."""
    open_reviews = (
        Review.objects.exclude(state__in=["closed", "withdrawn", "cancelled"])
        .select_related("organisation")
        .order_by("state", "created_at")
    )
    stages: dict[str, dict[str, Any]] = {}
    labels = dict(Review.State.choices)
    for review in open_reviews:
        stage = stages.setdefault(review.state, {"label": labels[review.state], "reviews": []})
        stage["reviews"].append((review, overdue(review)))
    order = list(Review.State.values)
    return [stages[s] for s in sorted(stages, key=order.index)]
