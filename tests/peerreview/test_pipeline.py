"""The coordinator's pipeline: counts per stage, overdue first, a bounded number named per stage."""

from __future__ import annotations

import datetime
import itertools

from django.urls import reverse
from django.utils import timezone

from peerreview import queries
from peerreview.models import Review
from tests.factories import OrganisationFactory


def _reviews(coordinator, version, specs):
    made = []
    for state, field, days in specs:
        review = Review.objects.create(
            organisation=OrganisationFactory(), framework_version=version, coordinator=coordinator, state=state
        )
        if field:
            setattr(review, field, timezone.localdate() + datetime.timedelta(days=days))
            review.save()
        made.append(review)
    return made


def test_overdue_in_sql_agrees_with_overdue_in_python(coordinator, published_version):
    dates = {
        "self_assessment": "self_assessment_due",
        "desk_review": "desk_review_due",
        "right_of_reply": "reply_due",
        "visit": "reply_due",  # a date that does not count at this stage
    }
    specs = [(state, field, days) for (state, field), days in itertools.product(dates.items(), (-3, 0, 4))]
    made = _reviews(coordinator, published_version, [*specs, ("self_assessment", None, 0)])
    submitted = made[0]
    submitted.self_assessment_submitted_at = timezone.now()  # submitted late is no longer overdue
    submitted.save()
    in_sql = set(Review.objects.filter(queries.overdue_q()).values_list("pk", flat=True))
    in_python = {r.pk for r in Review.objects.all() if queries.overdue(r)}
    assert in_sql == in_python
    assert len(in_python) == 2  # desk review and replies 3 days late; the late self-assessment was submitted


def test_pipeline_counts_every_review_and_names_overdue_first(coordinator, published_version):
    on_time = _reviews(coordinator, published_version, [("desk_review", "desk_review_due", 5)] * 10)
    late = _reviews(coordinator, published_version, [("desk_review", "desk_review_due", -2)] * 2)
    _reviews(coordinator, published_version, [("closed", None, 0)] * 3)
    (stage,) = queries.pipeline(shown=4)
    assert (stage["state"], stage["total"], stage["late"], stage["more"]) == ("desk_review", 12, 2, 8)
    named = [review for review, _ in stage["reviews"]]
    assert named == [*late, *on_time[:2]]  # overdue first, then the oldest
    assert [flags for _, flags in stage["reviews"]][:2] == [["Desk review"], ["Desk review"]]


def test_home_links_to_the_rest_of_a_stage(client, coordinator, published_version):
    _reviews(coordinator, published_version, [("visit", None, 0)] * (queries.PIPELINE_SHOWN + 3))
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert f"{Review.State.VISIT.label} ({queries.PIPELINE_SHOWN + 3})" in page
    assert f"{reverse('peerreview:review-list')}?state=visit" in page
    assert "3 more at this stage" in page
