"""Judgements are private until issued (issue #16, item 3): a draft finding is its author's and the
coordinator's until moderation agrees it (and a fellow reviewer's once their own scores are in);
the reviewed organisation reads findings, ratings and the "overall result so far" only from the
draft report's issue; "seen by" receipts are never recorded for what the reader may not see.
Pages, the API and the rules agree."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerreview import queries
from peerreview import workflow as pr
from peerreview.models import Assignment, Finding, Review, SeenReceipt
from tests import scenes

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact):
    """Desk review: the lead has written a draft finding; the peer has not submitted."""
    return scenes.review_in_desk_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )


def _api_finding_ids(client, review: Review) -> list[int]:
    rows = client.get(reverse("api:review-findings", args=[review.pk])).json()
    return sorted(row["id"] for row in rows)


def _api_list_ids(client) -> list[int]:
    return sorted(row["id"] for row in client.get(reverse("api:finding-list")).json()["results"])


def test_draft_finding_is_seen_only_by_its_author_and_the_coordinator(
    desk, lead_reviewer, reviewer, contact, coordinator, client_for
):
    finding, review = desk["finding"], desk["review"]
    assert finding.author == lead_reviewer
    seen = {
        name: (
            person.has_perm("peerreview.view_finding", finding),
            list(queries.findings_visible_to(person, review).values_list("pk", flat=True)),
            _api_finding_ids(client_for(person), review),
            _api_list_ids(client_for(person)),
            client_for(person).get(reverse("api:finding-detail", args=[finding.pk])).status_code,
        )
        for name, person in [
            ("lead", lead_reviewer),
            ("coordinator", coordinator),
            ("peer", reviewer),
            ("contact", contact),
        ]
    }
    visible = (True, [finding.pk], [finding.pk], [finding.pk], 200)
    hidden = (False, [], [], [], 404)
    assert seen == {"lead": visible, "coordinator": visible, "peer": hidden, "contact": hidden}


def test_the_review_page_shows_a_draft_to_neither_the_other_reviewer_nor_the_organisation(
    desk, reviewer, contact, lead_reviewer, client_for
):
    for person in (reviewer, contact):
        page = client_for(person).get(desk["review"].get_absolute_url()).content.decode()
        assert "Trusted by groups." not in page
    assert "Trusted by groups." in client_for(lead_reviewer).get(desk["review"].get_absolute_url()).content.decode()


def test_no_seen_by_receipt_for_a_finding_the_reader_may_not_see(desk, reviewer, contact, lead_reviewer, client_for):
    for person in (reviewer, contact, lead_reviewer):
        client_for(person).get(desk["review"].get_absolute_url())
    receipts = sorted(SeenReceipt.objects.filter(finding=desk["finding"]).values_list("person__full_name", flat=True))
    assert receipts == ["Len Lead"]
    pr.mark_seen([desk["finding"]], by=contact)  # the operation itself refuses too, not only the page
    assert SeenReceipt.objects.filter(finding=desk["finding"], person=contact).count() == 0


def test_a_reviewer_reads_colleagues_drafts_once_their_own_scores_are_in(desk, reviewer):
    review = desk["review"]
    assignment = Assignment.objects.get(review=review, reviewer=reviewer)
    for standard in review.standards_in_scope():
        pr.save_rating(assignment, standard, by=reviewer, rating=3, rationale="Seen.")
    pr.submit_assignment(assignment, by=reviewer)
    finding = Finding.objects.get(pk=desk["finding"].pk)
    assert reviewer.has_perm("peerreview.view_finding", finding) is True
    assert list(queries.findings_visible_to(reviewer, review)) == [finding]


@pytest.fixture
def at_quality_assurance(published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact):
    """A review whose finding is agreed and ratings moderated, at quality assurance (not issued)."""
    review = pr.create_review(reviewed_org, published_version, by=coordinator, scope="Everything.")
    review = pr.start_self_assessment(review, by=coordinator)
    assignments = [
        pr.invite_reviewer(review, lead_reviewer, by=coordinator, role="lead"),
        pr.invite_reviewer(review, reviewer, by=coordinator),
    ]
    for assignment in assignments:
        pr.accept_assignment(assignment, by=assignment.reviewer, declaration=True)
    for indicator in review.indicators_in_scope():
        pr.save_self_rating(
            review, indicator, by=contact, rating=3, commentary="Yes.", no_evidence=True, no_evidence_note="None."
        )
    pr.save_position_statement(review, by=contact, text="Where we are.")
    pr.submit_self_assessment(review, by=contact)
    review = pr.start_desk_review(Review.objects.get(pk=review.pk), by=coordinator)
    standards = list(review.standards_in_scope().order_by("position"))
    for assignment in assignments:
        assignment = Assignment.objects.get(pk=assignment.pk)
        for standard in standards:
            pr.save_rating(assignment, standard, by=assignment.reviewer, rating=3, rationale="Seen.")
        pr.submit_assignment(assignment, by=assignment.reviewer)
    review = pr.move_review(Review.objects.get(pk=review.pk), "skip_visit", by=lead_reviewer, reason="Desk only.")
    for standard in standards:
        pr.moderate_standard(review, standard, by=lead_reviewer, rating=3, rationale="Agreed.")
    finding = pr.add_finding(
        review, by=lead_reviewer, kind="strength", text="Trusted by groups.", standards=standards[:1]
    )
    pr.agree_finding(finding, by=lead_reviewer)
    review = pr.move_review(Review.objects.get(pk=review.pk), "submit_for_quality_assurance", by=lead_reviewer)
    return {"review": review, "finding": Finding.objects.get(pk=finding.pk)}


def test_the_organisation_reads_findings_and_the_result_only_from_the_draft_reports_issue(
    at_quality_assurance, contact, quality_panel_member, client_for
):
    review, finding = at_quality_assurance["review"], at_quality_assurance["finding"]
    client = client_for(contact)

    def what_the_contact_sees() -> tuple:
        page = client.get(review.get_absolute_url()).content.decode()
        return (
            "Trusted by groups." in page,
            "Overall result so far" in page,
            _api_finding_ids(client, review),
            contact.has_perm("peerreview.view_result", Review.objects.get(pk=review.pk)),
            SeenReceipt.objects.filter(finding=finding, person=contact).count(),
        )

    assert what_the_contact_sees() == (False, False, [], False, 0)
    # Quality assurance, and so the draft's issue, is the quality panel's (issue #17), not the hub's.
    pr.issue_draft(Review.objects.get(pk=review.pk), by=quality_panel_member)
    assert what_the_contact_sees() == (True, True, [finding.pk], True, 1)
