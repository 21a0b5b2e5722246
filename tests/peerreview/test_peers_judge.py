"""Peers hold the judgement (issue #17): only the review's lead reviewer agrees findings, records
moderated ratings and returns a desk review for more work (peerreview.judge_review and
peerreview.return_assignment). The hub coordinates but decides no judgement: when the lead cannot
go on, its remedy is to appoint another panel member as lead. Workflow, pages and the API agree."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from api import tokens
from core.audit import AuditEvent
from peerreview import workflow as pr
from peerreview.models import Assignment, Finding, ModeratedRating, Review
from tests import scenes

pytestmark = pytest.mark.integration

AGREE_RULE = "Only the review's lead reviewer agrees findings; the hub coordinates but does not judge."


@pytest.fixture
def moderation(published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact):
    """Moderation: both desk reviews submitted, the visit skipped, the lead's finding still a draft."""
    scene = scenes.review_in_desk_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    review = scene["review"]
    standards = list(review.standards_in_scope().order_by("position"))
    for assignment in Assignment.objects.filter(review=review):
        for standard in standards:
            pr.save_rating(assignment, standard, by=assignment.reviewer, rating=3, rationale="Seen.")
        pr.submit_assignment(assignment, by=assignment.reviewer)
    review = pr.move_review(Review.objects.get(pk=review.pk), "skip_visit", by=lead_reviewer, reason="Desk only.")
    return {
        "review": review,
        "standard": standards[0],
        "finding": Finding.objects.get(pk=scene["finding"].pk),
        "lead": Assignment.objects.get(review=review, reviewer=lead_reviewer),
        "peer": Assignment.objects.get(review=review, reviewer=reviewer),
    }


@pytest.mark.parametrize("staff_role", ["coordinator", "administrator"])
def test_agree_finding_refuses_the_hub_and_names_the_rule(moderation, staff_role, request, lead_reviewer):
    person = request.getfixturevalue(staff_role)
    with pytest.raises(PermissionDenied, match="agrees findings; the hub coordinates but does not judge"):
        pr.agree_finding(moderation["finding"], by=person)
    assert Finding.objects.get(pk=moderation["finding"].pk).state == "draft"
    assert pr.agree_finding(moderation["finding"], by=lead_reviewer).state == "agreed"


@pytest.mark.parametrize("staff_role", ["coordinator", "administrator"])
def test_moderate_standard_refuses_the_hub_and_names_the_rule(moderation, staff_role, request, lead_reviewer):
    person = request.getfixturevalue(staff_role)
    review, standard = moderation["review"], moderation["standard"]
    with pytest.raises(PermissionDenied, match="records the panel's agreed ratings; the hub coordinates"):
        pr.moderate_standard(review, standard, by=person, rating=3, rationale="Agreed.")
    assert not ModeratedRating.objects.filter(review=review).exists()
    assert pr.moderate_standard(review, standard, by=lead_reviewer, rating=3, rationale="Agreed.").rating == 3


def test_return_for_work_is_the_leads_never_the_hubs_nor_their_own(moderation, coordinator, lead_reviewer):
    peer, lead = moderation["peer"], moderation["lead"]
    with pytest.raises(PermissionDenied, match="Only the review's lead reviewer returns a desk review"):
        pr.move_assignment(peer, "return_for_work", by=coordinator, reason="Thin.")
    with pytest.raises(PermissionDenied):
        pr.move_assignment(lead, "return_for_work", by=lead_reviewer, reason="Mine.")
    assert pr.move_assignment(peer, "return_for_work", by=lead_reviewer, reason="Say more on B2.").state == "returned"


def test_the_moderation_page_lets_only_the_lead_save_ratings(moderation, coordinator, lead_reviewer, client_for):
    review, standard = moderation["review"], moderation["standard"]
    url = reverse("peerreview:review-moderation", args=[review.pk])
    data = {f"s{standard.pk}-rating": "2", f"s{standard.pk}-rationale": "Hub view.", f"s{standard.pk}-flag_note": ""}
    page = client_for(coordinator).get(url).content.decode()
    assert "Save agreed ratings" not in page
    refused = client_for(coordinator).post(url, data)
    assert (refused.status_code, "the hub coordinates but does not judge" in refused.content.decode()) == (403, True)
    assert not ModeratedRating.objects.filter(review=review).exists()
    assert "Save agreed ratings" in client_for(lead_reviewer).get(url).content.decode()
    assert client_for(lead_reviewer).post(url, data).status_code == 302
    assert ModeratedRating.objects.get(review=review, standard=standard).rating == 2


def api_for(person) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.create_token(person, name='tests')[1]}")
    return client


def test_the_api_refuses_hub_moderation_naming_the_rule(moderation, coordinator, lead_reviewer):
    review, standard = moderation["review"], moderation["standard"]
    url = reverse("api:review-moderated-ratings", args=[review.pk])
    body = {"standard": standard.pk, "rating": 3, "rationale": "Agreed.", "flag_note": ""}
    refused = api_for(coordinator).post(url, body, format="json")
    assert refused.status_code == 403
    assert "the hub coordinates but does not judge" in refused.content.decode()
    assert api_for(lead_reviewer).post(url, body, format="json").status_code == 201


def test_the_agree_button_follows_the_rule_and_the_refusal_names_it(moderation, coordinator, lead_reviewer, client_for):
    review, finding = moderation["review"], moderation["finding"]
    agree = reverse("peerreview:finding-agree", args=[finding.pk])
    assert agree in client_for(lead_reviewer).get(review.get_absolute_url()).content.decode()
    assert agree not in client_for(coordinator).get(review.get_absolute_url()).content.decode()
    refused = client_for(coordinator).post(agree)
    assert refused.status_code == 403
    assert AGREE_RULE.replace("'", "&#x27;") in refused.content.decode()


def test_the_return_button_shows_for_the_lead_on_a_peers_work_only(moderation, coordinator, lead_reviewer, client_for):
    review, peer, lead = moderation["review"], moderation["peer"], moderation["lead"]
    returns = [reverse("peerreview:assignment-move", args=[a.pk, "return_for_work"]) for a in (peer, lead)]
    lead_page = client_for(lead_reviewer).get(review.get_absolute_url()).content.decode()
    hub_page = client_for(coordinator).get(review.get_absolute_url()).content.decode()
    assert [url in lead_page for url in returns] == [True, False]
    assert [url in hub_page for url in returns] == [False, False]


def test_the_hub_appoints_a_new_lead_who_then_judges(moderation, coordinator, lead_reviewer, reviewer, client_for):
    review, peer, finding = moderation["review"], moderation["peer"], moderation["finding"]
    url = reverse("peerreview:assignment-appoint-lead", args=[peer.pk])
    assert client_for(reviewer).post(url, {"reason": "Me."}).status_code == 403
    assert client_for(coordinator).post(url, {"reason": "Len is on long-term leave."}).status_code == 302
    roles = dict(Assignment.objects.filter(review=review).values_list("reviewer__full_name", "role"))
    assert roles == {lead_reviewer.full_name: "peer", reviewer.full_name: "lead"}
    events = list(
        AuditEvent.objects.filter(action__in=["appoint_lead", "stand_down_lead"])
        .order_by("id")
        .values_list("action", "actor", "reason", "payload")
    )
    assert events == [
        ("stand_down_lead", coordinator.pk, "Len is on long-term leave.", {"changes": {"role": ["lead", "peer"]}}),
        ("appoint_lead", coordinator.pk, "Len is on long-term leave.", {"changes": {"role": ["peer", "lead"]}}),
    ]
    review = Review.objects.get(pk=review.pk)
    with pytest.raises(PermissionDenied):
        pr.agree_finding(Finding.objects.get(pk=finding.pk), by=lead_reviewer)
    assert pr.agree_finding(Finding.objects.get(pk=finding.pk), by=reviewer).state == "agreed"
    pr.moderate_standard(review, moderation["standard"], by=reviewer, rating=3, rationale="Agreed.")


def test_appoint_lead_needs_a_reason_and_a_working_peer_before_quality_assurance(moderation, coordinator):
    peer, lead = moderation["peer"], moderation["lead"]
    with pytest.raises(ValidationError, match="Say why"):
        pr.appoint_lead(peer, by=coordinator, reason=" ")
    with pytest.raises(ValidationError, match="already leads"):
        pr.appoint_lead(lead, by=coordinator, reason="Again.")
    sent_on = Assignment(review=Review(state="quality_assurance"), state="submitted", role="peer")
    assert pr.lead_change_problem(sent_on).startswith("You cannot change the lead reviewer while")
