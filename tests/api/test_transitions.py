"""Transitions through the API: the same guards, permissions, reasons and audit as the pages;
refusals name the unmet guard; a stale view gives 409; confidential cases stay invisible."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from tests.scenes import case_awaiting_decision, published_version, review_in_desk_review

pytestmark = pytest.mark.integration


@pytest.fixture
def scene(steward, hub, participant, coordinator, lead_reviewer, reviewer, contact, reviewed_org, caseworker):
    version = published_version(steward=steward, owner=hub, commenter=participant)
    review = review_in_desk_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    return {**review, **case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)}


def test_each_review_lists_only_the_moves_its_reader_may_make_now(scene, api_for, coordinator, contact):
    url = f"/api/v1/reviews/{scene['review'].pk}/"
    hub_moves = {t["name"] for t in api_for(coordinator).get(url).json()["transitions"]}
    assert hub_moves == {"hold", "cancel"}  # plan_visit waits for the desk reviews
    assert {t["name"] for t in api_for(contact).get(url).json()["transitions"]} == {"withdraw"}


def test_an_unmet_guard_is_named_with_409(scene, api_for, lead_reviewer):
    response = api_for(lead_reviewer).post(f"/api/v1/reviews/{scene['review'].pk}/transitions/plan_visit/")
    body = response.json()
    assert response.status_code == 409 and body["code"] == "guard_unmet"
    assert body["guards"] == ["Every reviewer on the panel has submitted their desk review"]


def test_a_move_from_the_wrong_state_is_409(scene, api_for, coordinator):
    response = api_for(coordinator).post(f"/api/v1/reviews/{scene['review'].pk}/transitions/publish/")
    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"


def test_a_stale_view_is_409_and_changes_nothing(scene, api_for, coordinator):
    review = scene["review"]
    response = api_for(coordinator).post(
        f"/api/v1/reviews/{review.pk}/transitions/hold/",
        {"reason": "Waiting", "expected_state": "scoping"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "concurrent_change"
    review.refresh_from_db()
    assert review.state == "desk_review"


def test_a_transition_is_audited_like_the_pages(scene, api_for, coordinator):
    review = scene["review"]
    response = api_for(coordinator).post(
        f"/api/v1/reviews/{review.pk}/transitions/hold/", {"reason": "Board away"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "on_hold"
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.reason, event.source_state, event.target_state) == (
        "hold",
        "Board away",
        "desk_review",
        "on_hold",
    )


def test_people_without_the_permission_get_403_and_outsiders_404(scene, api_for, contact, outsider):
    url = f"/api/v1/reviews/{scene['review'].pk}/transitions/cancel/"
    assert api_for(contact).post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_for(outsider).post(url, {"reason": "x"}, format="json").status_code == 404


def test_unknown_transition_names_are_404(scene, api_for, coordinator):
    assert api_for(coordinator).post(f"/api/v1/reviews/{scene['review'].pk}/transitions/fly/").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "funder", "outsider", "contact", "reviewer"])
def test_confidential_cases_do_not_exist_for_outsiders(role, request, scene, api_for):
    client = api_for(request.getfixturevalue(role))
    assert client.get(f"/api/v1/cases/{scene['case'].pk}/").status_code == 404
    assert client.get(f"/api/v1/cases/{scene['case'].pk}/notes/").status_code == 404
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_the_panel_sees_the_case_and_the_triager_cannot_approve_it(scene, api_for, panel_member, caseworker):
    case = scene["case"]
    assert api_for(panel_member).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert api_for(caseworker).post(f"/api/v1/cases/{case.pk}/transitions/approve/").status_code == 403


def test_declining_a_case_needs_signposting(scene, api_for, panel_member):
    url = f"/api/v1/cases/{scene['case'].pk}/transitions/decline/"
    refused = api_for(panel_member).post(url, {"reason": "Out of scope"}, format="json")
    assert refused.status_code == 400 and "signposting" in refused.json()["fields"]
    done = api_for(panel_member).post(url, {"reason": "Out of scope", "signposting": "Local CVS"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "declined"


def test_lists_filter_order_and_paginate(scene, api_for, coordinator):
    client = api_for(coordinator)
    page = client.get("/api/v1/organisations/", {"ordering": "-name", "page_size": 1}).json()
    assert page["count"] >= 2 and len(page["results"]) == 1 and page["next"]
    assert client.get("/api/v1/reviews/", {"state": "closed"}).json()["count"] == 0
    assert client.get("/api/v1/reviews/", {"state": "desk_review"}).json()["count"] == 1
