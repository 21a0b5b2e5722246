"""Done when: with tokens, a script takes a review from creation to closed as the right people,
and downloads the published PDF, using only the API."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from peerreview.models import Review
from peerreview.workflow import give_consent
from tests.scenes import nominate_responsible_person, published_version

pytestmark = pytest.mark.e2e


def _token_via_api(client_for, person) -> APIClient:
    """The person signs in once in a browser session and makes a named token through the API."""
    browser = APIClient()
    browser.force_login(person, backend="organisations.backends.EmailBackend")
    made = browser.post("/api/v1/tokens/", {"name": "journey script"}, format="json")
    assert made.status_code == 201, made.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {made.json()['secret']}")
    return client


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


def _move(client: APIClient, url: str, name: str, **body) -> dict:
    return _ok(client.post(f"{url}transitions/{name}/", body, format="json"))


def test_a_script_takes_a_review_through_its_lifecycle_and_downloads_the_pdf(
    client_for,
    steward,
    hub,
    participant,
    coordinator,
    lead_reviewer,
    reviewer,
    contact,
    reviewed_org,
    quality_panel_member,
):
    version = published_version(steward=steward, owner=hub, commenter=participant)
    nominate_responsible_person(contact, reviewed_org)
    hub_api = _token_via_api(client_for, coordinator)
    quality_api = _token_via_api(client_for, quality_panel_member)
    lead_api = _token_via_api(client_for, lead_reviewer)
    peer_api = _token_via_api(client_for, reviewer)
    org_api = _token_via_api(client_for, contact)

    content = _ok(org_api.get(f"/api/v1/framework-versions/{version.pk}/"))
    standards = [s for theme in content["themes"] for s in theme["standards"]]
    indicators = [i for s in standards for i in s["indicators"]]

    review = _ok(
        hub_api.post(
            "/api/v1/reviews/",
            {"organisation": reviewed_org.pk, "framework_version": version.pk, "scope": "Everything."},
            format="json",
        ),
        201,
    )
    url = f"/api/v1/reviews/{review['id']}/"
    assert review["state"] == "scoping"
    assert "start_self_assessment" in {t["name"] for t in review["transitions"]}
    assert _move(hub_api, url, "start_self_assessment")["state"] == "self_assessment"

    lead = _ok(hub_api.post(f"{url}assignments/", {"reviewer": lead_reviewer.pk, "role": "lead"}, format="json"), 201)
    peer = _ok(hub_api.post(f"{url}assignments/", {"reviewer": reviewer.pk}, format="json"), 201)
    assert _move(lead_api, f"/api/v1/assignments/{lead['id']}/", "accept", declaration=True)["state"] == "accepted"
    assert _move(peer_api, f"/api/v1/assignments/{peer['id']}/", "accept", declaration=True)["state"] == "accepted"

    ratings = [
        {"indicator": i["id"], "rating": 3, "commentary": "Yes.", "no_evidence": True, "no_evidence_note": "Not kept."}
        for i in indicators
    ]
    saved = _ok(org_api.put(f"{url}self-assessment/", {"ratings": ratings, "position_statement": "Us."}, format="json"))
    assert saved["missing"] == []
    _ok(org_api.post(f"{url}self-assessment/submit/"))
    assert _move(hub_api, url, "start_desk_review")["state"] == "desk_review"

    for api, assignment in [(lead_api, lead), (peer_api, peer)]:
        scores = [{"standard": s["id"], "rating": 3, "rationale": "Seen it."} for s in standards]
        _ok(api.put(f"/api/v1/assignments/{assignment['id']}/ratings/", {"ratings": scores}, format="json"))
        assert _move(api, f"/api/v1/assignments/{assignment['id']}/", "submit")["state"] == "submitted"

    finding = _ok(
        lead_api.post(
            f"{url}findings/",
            {"kind": "strength", "text": "Trusted by groups.", "standards": [standards[0]["id"]]},
            format="json",
        ),
        201,
    )
    _move(lead_api, f"/api/v1/findings/{finding['id']}/", "agree")

    refused = lead_api.post(f"{url}transitions/skip_visit/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    assert _move(lead_api, url, "skip_visit", reason="Small organisation.")["state"] == "moderation"
    for s in standards:
        _ok(
            lead_api.post(
                f"{url}moderated-ratings/", {"standard": s["id"], "rating": 3, "rationale": "Agreed."}, format="json"
            ),
            201,
        )
    assert _move(lead_api, url, "submit_for_quality_assurance")["state"] == "quality_assurance"
    assert _move(quality_api, url, "issue_draft")["state"] == "right_of_reply"

    _ok(org_api.put(f"/api/v1/findings/{finding['id']}/reply/", {"kind": "accept"}, format="json"))
    _ok(org_api.post(f"{url}replies/submit/"))
    assert _move(org_api, url, "consider_replies")["state"] == "reply_consideration"
    _ok(lead_api.put(f"{url}outcome/", {"outcome": "met", "rationale": "All standards established."}, format="json"))
    assert _move(quality_api, url, "decide_outcome")["state"] == "outcome_decided"
    refused = hub_api.post(f"{url}transitions/publish/", {"visibility": "public"}, format="json")
    assert refused.status_code == 400 and "consented" in str(refused.json())
    give_consent(Review.objects.get(pk=review["id"]), by=contact, kind="publish")
    published = _move(hub_api, url, "publish", visibility="public")
    assert published["state"] == "published"

    pdf = org_api.get(published["assessment_pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    assessments = _ok(org_api.get("/api/v1/assessments/", {"review": review["id"]}))
    assert [a["review"] for a in assessments["results"]] == [review["id"]]

    assert _move(org_api, url, "start_action_planning")["state"] == "action_planning"
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    act = _ok(
        org_api.post(f"{url}actions/", {"text": "Date the directory.", "owner": "CEO", "due_on": due}, format="json"),
        201,
    )
    _move(hub_api, f"/api/v1/actions/{act['id']}/", "agree")
    assert _move(hub_api, url, "accept_action_plan")["state"] == "monitoring"
    _move(org_api, f"/api/v1/actions/{act['id']}/", "complete")
    _move(hub_api, f"/api/v1/actions/{act['id']}/", "verify")
    assert _move(hub_api, url, "start_progress_review")["state"] == "progress_review"
    assert _move(hub_api, url, "close")["state"] == "closed"
