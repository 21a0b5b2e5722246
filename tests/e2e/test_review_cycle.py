"""The executable spec in a real browser: a coordinator, two reviewers, the organisation's
contact (its nominated responsible person), a quality panel member and an appeals group member,
each signed in separately, take one review from scoping to closed, with an appeal lodged after the
coordinator moved the review on."""

import datetime

import pytest
from django.utils import timezone

from organisations.models import Membership
from peerreview.models import Review
from tests import scenes
from tests.e2e.test_sign_in import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(
    coordinator,
    lead_reviewer,
    reviewer_org,
    reviewed_org,
    contact,
    steward,
    hub,
    participant,
    quality_panel_member,
    appeals_member,
    settings,
):
    settings.PEER_REVIEW_SAME_BOROUGH_CONFLICT = False
    peer = UserFactory(full_name="Sol Second", email="sol@example.org")
    MembershipFactory(person=peer, organisation=reviewer_org, role=Membership.Role.REVIEWER)
    scenes.nominate_responsible_person(contact, reviewed_org)
    version = scenes.published_version(steward=steward, owner=hub, commenter=participant)
    return {
        "coordinator": coordinator,
        "lead": lead_reviewer,
        "peer": peer,
        "contact": contact,
        "quality": quality_panel_member,
        "appeals": appeals_member,
        "version": version,
    }


def test_review_from_scoping_to_closed(browser, live_server, people, reviewed_org, screenshot):
    def session(person):
        page = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900}).new_page()
        page.set_default_timeout(10_000)
        sign_in(page, person.email)
        page.get_by_role("heading", name="Your work").wait_for()
        return page

    coordinator, lead, peer, contact, quality, appeals = (
        session(people[k]) for k in ("coordinator", "lead", "peer", "contact", "quality", "appeals")
    )

    def click(page, name):
        page.get_by_role("button", name=name, exact=True).click()

    def expect_state(label):
        review = Review.objects.get()
        assert review.get_state_display() == label, review.state

    # Coordinator: open the review, agree the scope, start the self-assessment, build the panel.
    coordinator.goto("/reviews/new/")
    coordinator.get_by_label("Organisation to review").select_option(label=reviewed_org.name)
    coordinator.get_by_label("Framework").select_option(index=1)
    coordinator.get_by_label("Scope").fill("Every standard; focus on informal groups.")
    click(coordinator, "Start review")
    review_url = coordinator.url
    click(coordinator, "Start self-assessment")
    expect_state("Self-assessment")
    for person, role in [(people["lead"], "Lead reviewer"), (people["peer"], "Peer reviewer")]:
        coordinator.get_by_role("link", name="Invite a reviewer").click()
        coordinator.get_by_label("Reviewer", exact=True).select_option(label=person.full_name)
        coordinator.get_by_label(role).check()
        click(coordinator, "Check conflicts and invite")
        coordinator.get_by_text("The invitation has been sent.").wait_for()
    screenshot("review-panel", coordinator)

    # Reviewers accept from their home pages, signing the declaration.
    for page in (lead, peer):
        page.goto("/")
        page.get_by_role("link", name=reviewed_org.name).click()
        page.get_by_label("I declare").check()
        click(page, "Accept and sign")
        page.get_by_text("you are on the panel").wait_for()

    # Contact: the self-assessment, with "no evidence" explained, then submit.
    contact.goto(review_url + "self-assessment/")
    for fieldset in contact.locator("fieldset:has(> legend h2)").all():
        fieldset.get_by_label("3 – Established").check()
        fieldset.get_by_label("Commentary").fill("We do this and can show it.")
        fieldset.get_by_label("We have no evidence for this").check()
        fieldset.get_by_label("Why there is no evidence").fill("Not written down yet.")
    contact.get_by_label("Position statement").fill("Small, busy and improving.")
    screenshot("review-self-assessment", contact)
    contact.get_by_role("button", name="Save and submit").click()
    contact.get_by_text("submitted and frozen").wait_for()

    coordinator.goto(review_url)
    click(coordinator, "Start desk review")
    expect_state("Desk review")

    # Reviewers rate blind; the peer sees the lead's ratings only after submitting.
    for page, rating in ((lead, "3 – Established"), (peer, "1 – Not yet in place")):
        page.goto("/")
        page.get_by_role("link", name=reviewed_org.name).click()
        for fieldset in page.locator("fieldset:has(> legend h2)").all():
            fieldset.get_by_label(rating).check()
            fieldset.get_by_label("Rationale").fill("Seen in the self-assessment.")
        assert "Other reviewers' submitted ratings" not in page.content()
        page.get_by_role("button", name="Save and submit").click()
        page.get_by_text("Your desk review is submitted").wait_for()
    peer.goto(peer.url)
    peer.goto(review_url)
    peer.get_by_role("link", name="Your desk review").click()
    assert "Other reviewers' submitted ratings" in peer.content()

    # Lead: skip the visit (with a reason), moderate the wide disagreement, write findings.
    lead.goto(review_url)
    lead.locator("summary", has_text="Skip the visit and moderate").click()
    lead.locator("#reason-skip_visit").fill("Remote review agreed with the organisation.")
    click(lead, "Skip the visit and moderate")
    expect_state("Moderation")
    lead.get_by_role("link", name="Ratings and moderation").click()
    assert "Reviewers differ: 1 to 3" in lead.content()
    for card in lead.locator(".govuk-summary-card").all():
        card.get_by_label("2 – Developing").check()
        card.get_by_label("Rationale").fill("Agreed after discussion.")
        card.get_by_label("How the panel settled the disagreement").fill("The lead found evidence online.")
    screenshot("review-moderation", lead)
    click(lead, "Save agreed ratings")
    lead.get_by_text("Saved 2 agreed ratings").wait_for()
    lead.goto(review_url)
    lead.get_by_role("link", name="Add a finding").click()
    lead.get_by_label("Recommendation").check()
    lead.get_by_label("Finding").fill("Date every directory entry.")
    lead.locator("input[name=standards]").first.check()
    click(lead, "Add finding")
    # The judgement is the lead's: the coordinator can neither agree it nor save agreed ratings.
    coordinator.goto(review_url)
    assert coordinator.get_by_role("button", name="Agree this finding").count() == 0
    coordinator.get_by_role("link", name="Ratings and moderation").click()
    assert coordinator.get_by_role("button", name="Save agreed ratings").count() == 0
    click(lead, "Agree this finding")
    click(lead, "Send for quality assurance")
    expect_state("Quality assurance")

    # A quality panel member (a peer, not hub staff) issues the draft; the contact replies.
    coordinator.goto(review_url)
    assert coordinator.get_by_role("button", name="Issue the draft report", exact=True).count() == 0
    quality.goto(review_url)
    click(quality, "Issue the draft report")
    expect_state("Right of reply")
    contact.goto(review_url + "replies/")
    contact.get_by_label("We accept this finding").check()
    contact.get_by_role("button", name="Sign off and submit all replies").click()
    contact.get_by_text("Your replies are submitted.").wait_for()
    click(contact, "Consider the replies")
    expect_state("Considering replies")

    # The lead proposes the outcome; the quality panel member confirms it; the coordinator publishes.
    lead.goto(review_url)
    lead.get_by_role("link", name="Propose the outcome").click()
    lead.get_by_label("Met with conditions").check()
    lead.get_by_label("Rationale").fill("Good; dating the directory is a condition.")
    click(lead, "Save outcome")
    quality.goto(review_url)
    click(quality, "Confirm the outcome")
    expect_state("Outcome decided")
    screenshot("review-outcome-confirmed", quality)
    # The organisation consents to publication (the coordinator cannot do it for them).
    contact.goto(review_url)
    contact.get_by_role("link", name="Consent to publish or share").click()
    contact.get_by_label("Publish the report for anyone to read").check()
    click(contact, "Record the consent")
    contact.get_by_text("Your consent is recorded.").wait_for()
    coordinator.goto(review_url)
    coordinator.get_by_role("link", name="Publish the report").first.click()
    coordinator.get_by_label("Public").check()
    click(coordinator, "Publish")
    coordinator.get_by_text("The report is published.").wait_for()
    expect_state("Published")
    screenshot("review-published", coordinator)

    # The coordinator moves the review on; the organisation can still appeal, and an appeals group
    # member with no earlier part dismisses it, returning the review to action planning.
    coordinator.goto(review_url)
    click(coordinator, "Start the action plan")
    expect_state("Action planning")
    contact.goto(review_url)
    contact.get_by_role("link", name="Appeal on grounds of process or fact").click()
    contact.get_by_label("Process: the review was not carried out as the method says").check()
    contact.get_by_label("Your appeal").fill("The visit was skipped without our agreement.")
    click(contact, "Lodge the appeal")
    expect_state("Under appeal")
    appeals.goto(review_url + "appeal/")
    appeals.get_by_label("Dismiss: the review stands").check()
    appeals.get_by_label("Reason").fill("The organisation agreed a remote review at scoping.")
    screenshot("review-appeal-decision", appeals)
    click(appeals, "Record the decision")
    expect_state("Action planning")

    # Action plan, monitoring, progress review, closed.
    contact.goto(review_url)
    contact.get_by_role("link", name="Add an action").click()
    contact.get_by_label("Action", exact=True).fill("Show a 'last checked' date on every entry.")
    contact.get_by_label("Owner").fill("Information officer")
    contact.get_by_label("Due by").fill((timezone.localdate() + datetime.timedelta(days=60)).isoformat())
    click(contact, "Add action")
    coordinator.goto(review_url)
    coordinator.get_by_role("button", name="Agree").first.click()
    click(coordinator, "Accept the action plan")
    click(coordinator, "Start the progress review")
    contact.goto(review_url)
    contact.get_by_role("button", name="Start").first.click()
    contact.get_by_role("button", name="Mark as done").first.click()
    coordinator.goto(review_url)
    coordinator.get_by_role("button", name="Verify").first.click()
    click(coordinator, "Close the review")
    expect_state("Closed")
    coordinator.get_by_role("link", name="Read the report").click()
    assert "Date every directory entry." in coordinator.content()
    screenshot("review-report", coordinator)
