"""List-side twins of peerreview.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from organisations.models import Membership
from organisations.rules import is_administrator, is_coordinator
from peerreview import conflicts
from peerreview.models import Assignment, Finding, Reply, Review

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
    visible = (
        Q(pk__in=assigned)
        | Q(organisation__in=contact_of)
        | (published & Q(visibility="public"))
        | (published & Q(visibility="funders", pk__in=shared))
    )
    roles = user.roles
    if Membership.Role.QUALITY_PANEL in roles or Membership.Role.APPEALS_GROUP in roles:
        visible |= _peer_panel_reviews(user, roles)
    return qs.filter(visible)


def _peer_panel_reviews(user: Any, roles: set[str]) -> Q:
    """Twin of the quality panel's and the appeals group's part of peerreview.view_review."""
    from peerreview.rules import JUDGEMENT_STEPS, QUALITY_ASSURED

    placed = Assignment.objects.filter(reviewer=user).exclude(state="declined").values("review_id")
    independent = ~Q(pk__in=placed) & ~Q(organisation__in=conflicts.conflicted_organisations(user))
    seen = Q(pk__in=[])
    if Membership.Role.QUALITY_PANEL in roles:
        seen |= Q(state__in=QUALITY_ASSURED)
    if Membership.Role.APPEALS_GROUP in roles:
        decided = Reply.objects.filter(decided_by=user).values("finding__review_id")
        judged = Review.history.filter(history_user=user, history_change_reason__in=JUDGEMENT_STEPS).values("id")
        seen |= (
            Q(pk__in=Review.objects.filter(appeals__isnull=False).values("pk")) & ~Q(pk__in=decided) & ~Q(pk__in=judged)
        )
    return independent & seen


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


# The columns a row of a review list shows (`overdue` included): loading only these halves the
# cost of each row (model set-up and timestamp parsing were most of a list page's time).
ROW_FIELDS = (
    "id",
    "state",
    "created_at",
    "self_assessment_due",
    "self_assessment_submitted_at",
    "desk_review_due",
    "reply_due",
    "replies_submitted_at",
    "organisation__name",
)


def as_rows(qs: QuerySet[Review]) -> QuerySet[Review]:
    """A review queryset narrowed to what list rows show: organisation and framework names."""
    return (
        qs.select_related(None)
        .select_related("organisation", "framework_version__framework")
        .only(
            *ROW_FIELDS, "framework_version__number", "framework_version__state", "framework_version__framework__name"
        )
    )


PIPELINE_SHOWN = 5  # reviews named per stage on the coordinator's home; the rest are a link away


def overdue_q() -> Q:
    """SQL twin of `overdue`: the review has missed at least one deadline (tests keep them agreeing)."""
    today = timezone.localdate()
    return (
        Q(state=Review.State.SELF_ASSESSMENT, self_assessment_submitted_at__isnull=True, self_assessment_due__lt=today)
        | Q(state=Review.State.DESK_REVIEW, desk_review_due__lt=today)
        | Q(state=Review.State.RIGHT_OF_REPLY, replies_submitted_at__isnull=True, reply_due__lt=today)
    )


def pipeline(shown: int = PIPELINE_SHOWN) -> list[dict[str, Any]]:
    """The coordinator's view: open reviews by stage (how many, how many overdue) naming the first
    few of each -- overdue first, then the oldest. Two queries and a bounded page however many
    reviews are open; the review list filtered by stage has the rest."""
    open_reviews = Review.objects.exclude(state__in=["closed", "withdrawn", "cancelled"])
    late = overdue_q()
    counts = open_reviews.values("state").annotate(total=Count("pk"), late=Count("pk", filter=late)).order_by()
    first = (
        as_rows(open_reviews)
        .annotate(is_late=Case(When(late, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .annotate(
            rank=Window(RowNumber(), partition_by=F("state"), order_by=[F("is_late").desc(), F("created_at"), F("pk")])
        )
        .filter(rank__lte=shown)
        .order_by("state", "rank")
    )
    labels = dict(Review.State.choices)
    stages = {
        row["state"]: {
            "state": row["state"],
            "label": labels[row["state"]],
            "total": row["total"],
            "late": row["late"],
            "reviews": [],
        }
        for row in counts
    }
    for review in first:
        stages[review.state]["reviews"].append((review, overdue(review)))
    for stage in stages.values():
        stage["more"] = stage["total"] - len(stage["reviews"])
    order = list(Review.State.values)
    return [stages[s] for s in sorted(stages, key=order.index)]


def findings_visible_to(user: Any, review: Review | None = None) -> QuerySet[Finding]:
    """Twin of peerreview.view_finding: drafts are their author's (and the hub's) until moderation
    agrees them, or a reviewer's once their own scores are submitted; agreed findings are the
    panel's, and the organisation's (and readers') from the draft report's issue (issue #16)."""
    qs = Finding.objects.filter(review__in=reviews_visible_to(user))
    if review is not None:
        qs = qs.filter(review=review)
    if not user.is_authenticated:
        return qs.none()
    if is_administrator(user) or is_coordinator(user):
        return qs
    submitted = Assignment.objects.filter(reviewer=user, state="submitted").values("review_id")
    working = Assignment.objects.filter(reviewer=user, state__in=Assignment.WORKING).values("review_id")
    return qs.filter(
        Q(author=user)
        | Q(review__in=submitted)
        | (~Q(state=Finding.State.DRAFT) & (Q(review__in=working) | Review.draft_issued_q("review__")))
    )


def public_reviews() -> QuerySet[Review]:
    """Reviews anyone may read signed out: published with the organisation's consent to publish."""
    return Review.objects.filter(published_at__isnull=False, visibility=Review.Visibility.PUBLIC).exclude(
        state__in=[Review.State.WITHDRAWN, Review.State.CANCELLED]
    )


def current_awards() -> list[dict[str, Any]]:
    """The public register: each organisation's newest public review that met the standards (with or
    without conditions) and is still valid, with its latest published report's fingerprint."""
    from peerreview.models import ReportSnapshot

    today = timezone.localdate()
    reviews = (
        public_reviews()
        .filter(outcome__in=[Review.Outcome.MET, Review.Outcome.MET_WITH_CONDITIONS], valid_until__gte=today)
        .exclude(state=Review.State.REOPENED)
        .select_related("organisation")
        .order_by("organisation__name", "-published_at")
    )
    newest: dict[int, Review] = {}
    for review in reviews:
        newest.setdefault(review.organisation_id, review)
    fingerprints = dict(
        ReportSnapshot.objects.filter(review__in=list(newest.values()), kind="final")
        .order_by("review_id", "version")
        .values_list("review_id", "fingerprint")
    )
    return [{"review": r, "fingerprint": fingerprints.get(r.pk, "")} for r in newest.values()]
