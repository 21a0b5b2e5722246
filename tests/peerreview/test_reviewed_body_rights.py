"""The reviewed body's rights (issue 17): its management response published beside the report, its
consent to publish and to share with named funders (given and withdrawn by its contacts only),
and signed-out reading of public reports and the register of current quality awards."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from peerreview import queries, workflow
from peerreview.models import Consent, ReportSnapshot, Review
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def funding_org(db):
    return OrganisationFactory(name="London Fund", kind="funder", charity_number="1199999")


@pytest.fixture
def at_outcome(published_version, reviewed_org, coordinator):
    return Review.objects.create(
        organisation=reviewed_org,
        framework_version=published_version,
        coordinator=coordinator,
        state="outcome_decided",
        outcome="met",
        outcome_rationale="Strong.",
    )


def _fresh(review):
    return Review.objects.get(pk=review.pk)


def test_management_response_is_published_beside_the_report(at_outcome, contact, coordinator, client_for):
    url = reverse("peerreview:review-response", args=[at_outcome.pk])
    assert client_for(coordinator).post(url, {"text": "Hub words."}).status_code == 403
    too_long = client_for(contact).post(url, {"text": "word " * 501})
    assert too_long.status_code == 200 and "up to 500 words; this has 501" in too_long.content.decode()
    assert _fresh(at_outcome).management_response == ""
    assert (
        client_for(contact).post(url, {"text": "We welcome the review and will date the directory."}).status_code == 302
    )
    review = _fresh(at_outcome)
    assert (review.management_response, review.management_response_by) == (
        "We welcome the review and will date the directory.",
        contact,
    )
    event = AuditEvent.objects.get(action="management_response")
    assert event.payload["new"] == "We welcome the review and will date the directory."
    workflow.give_consent(review, by=contact, kind="publish")
    review = workflow.publish_review(review, by=coordinator, visibility="public")
    data = ReportSnapshot.objects.get(review=review, kind="final").data
    assert data["management_response"] == "We welcome the review and will date the directory."
    with pytest.raises(ValidationError, match="at “Published”"):
        workflow.save_management_response(_fresh(review), by=contact, text="Changed after publication.")
    from django.template.loader import render_to_string

    snapshot = ReportSnapshot.objects.get(review=review, kind="final")
    html = render_to_string("reports/pdf/assessment.html", {"data": data, "snapshot": snapshot})
    assert "We welcome the review and will date the directory." in html
    page = client_for(None).get(reverse("peerreview:public-report", args=[review.pk]))
    assert page.status_code == 200
    assert "The organisation's management response" in page.content.decode()


def test_consent_is_the_organisations_own(at_outcome, contact, coordinator, administrator, funding_org):
    for person in (coordinator, administrator):
        with pytest.raises(PermissionDenied):
            workflow.give_consent(at_outcome, by=person, kind="funder", funder=funding_org)
    with pytest.raises(ValidationError, match="not consented to sharing with London Fund"):
        workflow.publish_review(at_outcome, by=coordinator, visibility="funders", shared_with=[funding_org])
    with pytest.raises(ValidationError, match="Choose the funder"):
        workflow.give_consent(at_outcome, by=contact, kind="funder", funder=OrganisationFactory(kind="cvs"))
    consent = workflow.give_consent(at_outcome, by=contact, kind="funder", funder=funding_org)
    with pytest.raises(ValidationError, match="already given"):
        workflow.give_consent(at_outcome, by=contact, kind="funder", funder=funding_org)
    review = workflow.publish_review(
        _fresh(at_outcome), by=coordinator, visibility="funders", shared_with=[funding_org]
    )
    assert (review.visibility, list(review.shared_with.all())) == ("funders", [funding_org])
    with pytest.raises(PermissionDenied):
        workflow.withdraw_consent(consent, by=coordinator, reason="Tidy up.")
    workflow.withdraw_consent(Consent.objects.get(pk=consent.pk), by=contact, reason="The funder's panel changed.")
    review = _fresh(review)
    assert (review.visibility, list(review.shared_with.all())) == ("private", [])
    change = AuditEvent.objects.get(action="visibility")
    assert (change.payload["old"], change.payload["new"]) == (["funders", [funding_org.pk]], ["private", []])
    assert Consent.objects.get(pk=consent.pk).withdrawal_reason == "The funder's panel changed."


def test_consent_page_refuses_the_coordinator(at_outcome, contact, coordinator, client_for, funding_org):
    url = reverse("peerreview:review-consent", args=[at_outcome.pk])
    assert client_for(coordinator).post(url, {"kind": "publish"}).status_code == 403
    assert not Consent.objects.exists()
    assert client_for(contact).post(url, {"kind": "funder", "funder": funding_org.pk}).status_code == 302
    consent = Consent.objects.get()
    withdraw = reverse("peerreview:consent-withdraw", args=[consent.pk])
    assert client_for(coordinator).post(withdraw).status_code == 403
    assert Consent.objects.get().withdrawn_at is None
    assert client_for(contact).post(withdraw, {"reason": "Changed our mind."}).status_code == 302
    assert Consent.objects.get().withdrawn_by == contact


def test_public_report_and_register_signed_out(
    published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact, quality_panel_member, client_for
):
    review = scenes.published_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
        quality=quality_panel_member,
    )["review"]
    # A private review elsewhere, and an expired award, stay off the register.
    Review.objects.create(
        organisation=OrganisationFactory(name="Private CVS"),
        framework_version=published_version,
        coordinator=coordinator,
        state="published",
        outcome="met",
        published_at=timezone.now(),
        valid_until=timezone.localdate() + datetime.timedelta(days=300),
    )
    Review.objects.create(
        organisation=OrganisationFactory(name="Expired CVS"),
        framework_version=published_version,
        coordinator=coordinator,
        state="published",
        visibility="public",
        outcome="met",
        published_at=timezone.now(),
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    anonymous = client_for(None)
    page = anonymous.get(reverse("peerreview:award-register"))
    text = page.content.decode()
    assert page.status_code == 200
    assert [a["review"].pk for a in queries.current_awards()] == [review.pk]
    assert "Reviewed CVS" in text and "Private CVS" not in text and "Expired CVS" not in text
    fingerprint = ReportSnapshot.objects.get(review=review, kind="final").fingerprint
    assert reverse("reports:verify", args=[fingerprint]) in text
    report = anonymous.get(reverse("peerreview:public-report", args=[review.pk]))
    assert report.status_code == 200 and "Trusted by groups." in report.content.decode()
    # Withdrawing consent to publish takes the report off the public pages at once.
    workflow.withdraw_consent(review.consents.get(kind="publish"), by=contact, reason="")
    assert anonymous.get(reverse("peerreview:public-report", args=[review.pk])).status_code == 404
    assert queries.current_awards() == []
