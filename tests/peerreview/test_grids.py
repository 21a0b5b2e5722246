"""One spec per move (issue #15): every multi-row save of a review (the self-assessment, a desk
review, moderation, the replies to the draft report) is one operation, checked row by row before
anything is written. A submission with one bad row changes nothing, neither rows nor the audit
trail, and says which row is wrong: on the page (the error summary at the top) and in the API."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import tokens
from core.models import AuditEvent
from core.workflow import RowErrors
from peerreview import workflow as pr
from peerreview.models import Assignment, Evidence, Finding, ModeratedRating, Reply, Review, ReviewerRating, SelfRating
from tests import scenes

pytestmark = pytest.mark.integration


def api_for(person) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(person, name='tests')[1]}")
    return client


def events() -> int:
    return AuditEvent.objects.count()


def summary(response) -> str:
    """The page's error summary (the GOV.UK pattern at the top of the page)."""
    page = response.content.decode()
    assert "govuk-error-summary" in page, page[:3000]
    start = page.index("govuk-error-summary")
    return page[start : page.index("</ul>", start)]


# --- the self-assessment ------------------------------------------------------------------------------


@pytest.fixture
def self_assessment(review, coordinator):
    review = pr.start_self_assessment(review, by=coordinator)
    indicators = list(review.indicators_in_scope().select_related("standard").order_by("standard__position", "pk"))
    return {"review": review, "indicators": indicators}


def test_a_self_assessment_with_one_bad_row_saves_nothing_and_names_the_row(self_assessment, contact):
    review, (first, second, _) = self_assessment["review"], self_assessment["indicators"]
    before = events()
    rows = [
        {"indicator": first, "rating": 3, "commentary": "Yes."},
        {"indicator": second, "rating": 2, "no_evidence": True, "no_evidence_note": " "},
    ]
    with pytest.raises(RowErrors) as refused:
        pr.save_self_assessment(review, by=contact, rows=rows, position_statement="Where we are.")
    assert refused.value.message_dict == {
        "ratings.1.no_evidence_note": ["Indicator 1.1.2: Say why there is no evidence for this indicator."]
    }
    assert not SelfRating.objects.filter(review=review).exists()
    assert Review.objects.get(pk=review.pk).position_statement == ""
    assert events() == before
    rows[1]["no_evidence_note"] = "Not written down."
    pr.save_self_assessment(review, by=contact, rows=rows, position_statement="Where we are.")
    assert SelfRating.objects.filter(review=review).count() == 2
    assert AuditEvent.objects.filter(action="self_rate").count() == 2
    assert events() == before + 3  # two rows and the position statement, each with what changed


def test_the_self_assessment_page_saves_nothing_when_a_row_is_wrong(self_assessment, contact, client_for):
    review, (first, second, _) = self_assessment["review"], self_assessment["indicators"]
    before = events()
    response = client_for(contact).post(
        reverse("peerreview:self-assessment", args=[review.pk]),
        {
            f"i{first.pk}-rating": "3",
            f"i{first.pk}-commentary": "Yes.",
            f"i{second.pk}-rating": "2",
            f"i{second.pk}-no_evidence": "on",
            "position_statement": "Where we are.",
            "submit": "0",
        },
    )
    assert response.status_code == 200
    assert "Indicator 1.1.2: Say why there is no evidence for this indicator." in summary(response)
    assert "Indicator 1.1.1" not in summary(response)
    assert not SelfRating.objects.filter(review=review).exists()
    assert Review.objects.get(pk=review.pk).position_statement == ""
    assert events() == before


def test_the_self_assessment_api_saves_nothing_when_a_row_is_wrong(self_assessment, contact):
    review, (first, second, third) = self_assessment["review"], self_assessment["indicators"]
    url = reverse("api:review-self-assessment", args=[review.pk])
    client = api_for(contact)
    before = events()
    body = {
        "ratings": [{"indicator": first.pk, "rating": 3, "commentary": "Yes."}, {"indicator": second.pk, "rating": 9}],
        "position_statement": "Where we are.",
    }
    refused = client.put(url, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "ratings.1.rating": ["Indicator 1.1.2: Choose a level from the framework's scale."]
    }
    body["ratings"][1] = {"indicator": 99999999, "rating": 3}
    unknown = client.put(url, body, format="json")
    assert unknown.json()["fields"] == {"ratings.1.indicator": ["Unknown id 99999999."]}
    assert not SelfRating.objects.filter(review=review).exists()
    assert Review.objects.get(pk=review.pk).position_statement == ""
    assert events() == before
    body["ratings"][1] = {"indicator": third.pk, "rating": 2, "commentary": "Sometimes."}
    assert client.put(url, body, format="json").status_code == 200
    assert SelfRating.objects.filter(review=review).count() == 2


# --- a desk review --------------------------------------------------------------------------------------


@pytest.fixture
def desk_review(published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact):
    scene = scenes.review_in_desk_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    review = scene["review"]
    return {
        "review": review,
        "standards": list(review.standards_in_scope().order_by("position")),
        "assignment": Assignment.objects.get(review=review, reviewer=reviewer),
    }


def test_a_desk_review_with_one_bad_row_saves_nothing_and_names_the_row(desk_review, reviewer):
    assignment, (first, second) = desk_review["assignment"], desk_review["standards"]
    before = events()
    rows = [{"standard": first, "rating": 3, "rationale": "Seen."}, {"standard": second, "rating": 9}]
    with pytest.raises(RowErrors) as refused:
        pr.save_desk_review(assignment, by=reviewer, rows=rows, notes="My notes.")
    assert refused.value.messages == ["Standard 2.1: Choose a level from the framework's scale."]
    assert not ReviewerRating.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).notes == ""
    assert events() == before


def test_the_desk_review_page_saves_nothing_when_a_row_is_wrong(desk_review, reviewer, client_for):
    assignment, (first, second) = desk_review["assignment"], desk_review["standards"]
    before = events()
    response = client_for(reviewer).post(
        reverse("peerreview:assignment-score", args=[assignment.pk]),
        {
            f"s{first.pk}-rating": "3",
            f"s{first.pk}-rationale": "Seen.",
            f"s{second.pk}-rating": "9",
            f"s{second.pk}-rationale": "Hmm.",
            "notes": "My notes.",
            "submit": "0",
        },
    )
    assert response.status_code == 200
    assert "Standard 2.1: Select a valid choice." in summary(response)
    assert not ReviewerRating.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).notes == ""
    assert events() == before


def test_the_desk_review_api_saves_nothing_when_a_row_is_wrong(desk_review, reviewer):
    assignment, (first, second) = desk_review["assignment"], desk_review["standards"]
    url = reverse("api:assignment-ratings", args=[assignment.pk])
    client = api_for(reviewer)
    before = events()
    body = {
        "ratings": [{"standard": first.pk, "rating": 3, "rationale": "Seen."}, {"standard": second.pk, "rating": 9}],
        "notes": "My notes.",
    }
    refused = client.put(url, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "ratings.1.rating": ["Standard 2.1: Choose a level from the framework's scale."]
    }
    assert not ReviewerRating.objects.filter(assignment=assignment).exists()
    assert Assignment.objects.get(pk=assignment.pk).notes == ""
    assert events() == before
    body["ratings"][1]["rating"] = 2
    assert client.put(url, body, format="json").status_code == 200
    assert ReviewerRating.objects.filter(assignment=assignment).count() == 2


# --- moderation ----------------------------------------------------------------------------------------


@pytest.fixture
def moderation(desk_review, lead_reviewer):
    """Moderation, with the reviewers two levels apart on standard 2.1 (so it needs a note)."""
    review, (first, second) = desk_review["review"], desk_review["standards"]
    for assignment in Assignment.objects.filter(review=review):
        low = assignment.reviewer_id != lead_reviewer.pk
        rows = [
            {"standard": first, "rating": 3, "rationale": "Seen."},
            {"standard": second, "rating": 1 if low else 3, "rationale": "Seen."},
        ]
        pr.save_desk_review(assignment, by=assignment.reviewer, rows=rows)
        pr.submit_assignment(assignment, by=assignment.reviewer)
    review = pr.move_review(Review.objects.get(pk=review.pk), "skip_visit", by=lead_reviewer, reason="Desk only.")
    assert set(pr.spread_flags(review)) == {second.pk}
    return {"review": review, "standards": (first, second)}


def test_moderation_with_one_bad_row_saves_none_of_the_good_ones(moderation, lead_reviewer):
    review, (first, second) = moderation["review"], moderation["standards"]
    before = events()
    rows = [
        {"standard": first, "rating": 3, "rationale": "Agreed."},
        {"standard": second, "rating": 2, "rationale": "Agreed.", "flag_note": ""},
    ]
    with pytest.raises(RowErrors) as refused:
        pr.moderate_standards(review, by=lead_reviewer, rows=rows)
    assert refused.value.message_dict == {
        "ratings.1.flag_note": ["Standard 2.1: Reviewers differed by 2 or more levels: say how the panel settled it."]
    }
    assert not ModeratedRating.objects.filter(review=review).exists()
    assert events() == before


def test_the_moderation_page_saves_none_of_the_good_rows_when_one_is_wrong(moderation, lead_reviewer, client_for):
    review, (first, second) = moderation["review"], moderation["standards"]
    url = reverse("peerreview:review-moderation", args=[review.pk])
    before = events()
    data = {
        f"s{first.pk}-rating": "3",
        f"s{first.pk}-rationale": "Agreed.",
        f"s{second.pk}-rating": "2",
        f"s{second.pk}-rationale": "Agreed.",
        f"s{second.pk}-flag_note": "",
    }
    response = client_for(lead_reviewer).post(url, data)
    assert response.status_code == 200
    found = summary(response)
    assert "Standard 2.1: Reviewers differed by 2 or more levels: say how the panel settled it." in found
    assert "Standard 1.1" not in found
    assert not ModeratedRating.objects.filter(review=review).exists()
    assert events() == before
    data[f"s{second.pk}-flag_note"] = "The peer had not seen the visit notes."
    assert client_for(lead_reviewer).post(url, data).status_code == 302
    assert ModeratedRating.objects.filter(review=review).count() == 2
    assert events() == before + 2


def test_the_moderation_api_saves_none_of_the_good_rows_when_one_is_wrong(moderation, lead_reviewer):
    review, (first, second) = moderation["review"], moderation["standards"]
    url = reverse("api:review-moderated-ratings", args=[review.pk])
    client = api_for(lead_reviewer)
    before = events()
    body = {
        "ratings": [
            {"standard": first.pk, "rating": 3, "rationale": "Agreed."},
            {"standard": second.pk, "rating": 2, "rationale": "Agreed."},
        ]
    }
    refused = client.put(url, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "ratings.1.flag_note": ["Standard 2.1: Reviewers differed by 2 or more levels: say how the panel settled it."]
    }
    assert not ModeratedRating.objects.filter(review=review).exists()
    assert events() == before
    body["ratings"][1]["flag_note"] = "Settled on the evidence."
    saved = client.put(url, body, format="json")
    assert (saved.status_code, [r["rating"] for r in saved.json()]) == (200, [3, 2])


# --- replies to the draft report ---------------------------------------------------------------------------


@pytest.fixture
def right_of_reply(moderation, lead_reviewer, contact, reviewed_org):
    review, (first, second) = moderation["review"], moderation["standards"]
    pr.moderate_standards(
        review,
        by=lead_reviewer,
        rows=[
            {"standard": first, "rating": 3, "rationale": "Agreed."},
            {"standard": second, "rating": 2, "rationale": "Agreed.", "flag_note": "Settled."},
        ],
    )
    extra = pr.add_finding(
        review, by=lead_reviewer, kind="recommendation", text="Date the directory entries.", standards=[second]
    )
    for finding in review.findings.all():
        pr.agree_finding(finding, by=lead_reviewer)
    review = pr.move_review(review, "submit_for_quality_assurance", by=lead_reviewer)
    scenes.nominate_responsible_person(contact, reviewed_org)
    review = pr.issue_draft(review, by=scenes.quality_panel_peer())
    strength = review.findings.exclude(pk=extra.pk).get()
    return {"review": review, "strength": strength, "recommendation": Finding.objects.get(pk=extra.pk)}


def test_replies_with_one_bad_row_save_nothing_and_name_the_finding(right_of_reply, contact):
    review, strength, recommendation = (right_of_reply[k] for k in ("review", "strength", "recommendation"))
    before, kept = events(), Reply.objects.get(finding=strength).kind
    rows = [{"finding": strength, "kind": "accept"}, {"finding": recommendation, "kind": "b_fact", "text": "Wrong."}]
    with pytest.raises(RowErrors) as refused:
        pr.reply_to_findings(review, by=contact, rows=rows)
    assert refused.value.messages == [
        "Recommendation “Date the directory entries.”: A factual challenge needs an explanation and the evidence."
    ]
    assert Reply.objects.get(finding=strength).kind == kept
    assert not Reply.objects.filter(finding=recommendation).exists()
    assert Finding.objects.get(pk=recommendation.pk).state == "agreed"
    assert events() == before


def test_the_replies_page_saves_nothing_when_a_row_is_wrong(right_of_reply, contact, client_for):
    review, strength, recommendation = (right_of_reply[k] for k in ("review", "strength", "recommendation"))
    before, kept = events(), Reply.objects.get(finding=strength).kind
    response = client_for(contact).post(
        reverse("peerreview:review-replies", args=[review.pk]),
        {
            "part": "replies",
            f"f{strength.pk}-kind": "accept",
            f"f{recommendation.pk}-kind": "b_fact",
            f"f{recommendation.pk}-text": "Wrong.",
            "submit": "0",
        },
    )
    assert response.status_code == 200
    assert "Recommendation “Date the directory entries.”: A factual challenge needs" in summary(response)
    assert Reply.objects.get(finding=strength).kind == kept
    assert not Reply.objects.filter(finding=recommendation).exists()
    assert events() == before


def test_the_replies_api_saves_nothing_when_a_row_is_wrong(right_of_reply, contact):
    review, strength, recommendation = (right_of_reply[k] for k in ("review", "strength", "recommendation"))
    url = reverse("api:review-replies", args=[review.pk])
    client = api_for(contact)
    before, kept = events(), Reply.objects.get(finding=strength).kind
    body = {
        "replies": [
            {"finding": strength.pk, "kind": "accept"},
            {"finding": recommendation.pk, "kind": "b_fact", "text": "Wrong."},
        ]
    }
    refused = client.put(url, body, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "replies.1.evidence": [
            "Recommendation “Date the directory entries.”: A factual challenge needs an explanation and the evidence."
        ]
    }
    assert Reply.objects.get(finding=strength).kind == kept
    assert not Reply.objects.filter(finding=recommendation).exists()
    assert events() == before
    body["replies"][1] = {"finding": recommendation.pk, "kind": "accept"}
    assert client.put(url, body, format="json").status_code == 200
    assert set(Reply.objects.filter(finding__review=review).values_list("kind", flat=True)) == {"accept"}


# --- dates: nothing that happened is dated in the future ------------------------------------------------------


def test_evidence_is_never_dated_in_the_future(self_assessment, contact, client_for):
    review = self_assessment["review"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        pr.add_evidence(
            review,
            by=contact,
            title="Next year's plan",
            upload=scenes.pdf_upload(),
            dated_on=tomorrow,
            indicators=[],
            content_type="application/pdf",
        )
    assert refused.value.message_dict == {"dated_on": ["This date is in the future: record it once it has happened."]}
    response = client_for(contact).post(
        reverse("peerreview:evidence-upload", args=[review.pk]),
        {"title": "Next year's plan", "file": scenes.pdf_upload(), "dated_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert "This date is in the future" in summary(response)
    assert not Evidence.objects.filter(review=review).exists()


@pytest.fixture
def visit(desk_review, lead_reviewer):
    review = desk_review["review"]
    for assignment in Assignment.objects.filter(review=review):
        rows = [{"standard": s, "rating": 3, "rationale": "Seen."} for s in desk_review["standards"]]
        pr.save_desk_review(assignment, by=assignment.reviewer, rows=rows)
        pr.submit_assignment(assignment, by=assignment.reviewer)
    return pr.move_review(Review.objects.get(pk=review.pk), "plan_visit", by=lead_reviewer)


def test_the_visit_is_not_in_the_future_nor_before_the_self_assessment(visit, lead_reviewer, client_for):
    today = timezone.localdate()
    tomorrow, yesterday = today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="in the future"):
        pr.record_visit(visit, by=lead_reviewer, visit_date=tomorrow, notes="Met the board.")
    with pytest.raises(ValidationError, match="before the self-assessment was submitted"):
        pr.record_visit(visit, by=lead_reviewer, visit_date=yesterday, notes="Met the board.")
    page = client_for(lead_reviewer).post(
        reverse("peerreview:review-visit", args=[visit.pk]), {"visit_date": tomorrow.isoformat(), "notes": "Met."}
    )
    assert "This date is in the future" in summary(page)
    api = api_for(lead_reviewer).put(
        reverse("api:review-visit", args=[visit.pk]),
        {"visit_date": yesterday.isoformat(), "notes": "Met."},
        format="json",
    )
    assert api.status_code == 400
    assert "before the self-assessment was submitted" in api.json()["fields"]["visit_date"][0]
    assert Review.objects.get(pk=visit.pk).visit_date is None
    assert pr.record_visit(visit, by=lead_reviewer, visit_date=today, notes="Met the board.").visit_date == today


# --- the award rolls a year on without replacing the year ------------------------------------------------------


def test_a_report_published_on_29_february_is_valid_until_28_february(
    published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact
):
    with time_machine.travel(datetime.datetime(2028, 2, 29, 10, tzinfo=datetime.UTC), tick=False):
        scene = scenes.published_review(
            version=published_version,
            organisation=reviewed_org,
            coordinator=coordinator,
            lead=lead_reviewer,
            peer=reviewer,
            contact=contact,
        )
    assert scene["review"].valid_until == datetime.date(2031, 2, 28)
