"""A funder signs in, finds a published assessment shared with them, and downloads its PDF."""

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests import scenes
from tests.e2e.test_sign_in import sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_review(steward, hub, participant, coordinator, lead_reviewer, reviewer, contact, reviewed_org, funder):
    version = scenes.published_version(steward=steward, owner=hub, commenter=participant)
    funder_org = funder.current_memberships[0].organisation
    return scenes.published_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
        funders=[funder_org],
    )


def test_funder_downloads_the_published_assessment(page, screenshot, funder, reviewed_org, shared_review):
    review = shared_review["review"]
    sign_in(page, funder.email)
    page.get_by_role("heading", name="Your work").wait_for()
    screenshot("home-funder", page)

    page.get_by_role("link", name=reviewed_org.name, exact=True).click()
    page.get_by_role("heading", name=re.compile(re.escape(reviewed_org.name))).first.wait_for()
    assert page.url.rstrip("/").endswith(f"/reviews/{review.pk}")
    screenshot("review-funder", page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the assessment (PDF)").click()
    download = info.value
    assert download.suggested_filename.startswith("assessment-") and download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert reviewed_org.name in text
    standard = shared_review["standards"][0]
    # The agreed rating row: code, title, rating with its level's name, and the panel's reason.
    assert f"{standard.code} {standard.title} 3 – Established Seen in the evidence and at the visit." in text, text
    assert "3 – Established" in text and "Trusted by groups." in text


def test_a_funder_it_was_not_shared_with_cannot_see_it(page, reviewed_org, shared_review):
    other = UserFactory(email="other-funder@example.org")
    MembershipFactory(person=other, organisation=OrganisationFactory(kind="funder"), role="funder_reader")
    sign_in(page, other.email)
    page.get_by_role("heading", name="Your work").wait_for()
    assert page.get_by_role("link", name=reviewed_org.name, exact=True).count() == 0
    response = page.request.get(reverse("reports:assessment-pdf", args=[shared_review["review"].pk]))
    assert response.status == 404
