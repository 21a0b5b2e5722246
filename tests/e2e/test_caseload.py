"""The daily caseload in the browser (issue 20), on a desk and on a phone: find a case by a word in
a note, hand it over to a colleague, and dismiss a repeat referral."""

import pytest

from casework import workflow
from casework.models import Case, Referral
from tests.e2e.test_sign_in import sign_in
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_find_hand_over_and_dismiss(browser, live_server, caseworker, hub, width):
    colleague = MembershipFactory(role="caseworker", organisation=hub, person__full_name="Olu Other").person
    club, youth = OrganisationFactory(name="Riverside Lunch Club"), OrganisationFactory(name="Hillside Youth")
    found = workflow.open_case(
        workflow.refer_organisation(club, by=caseworker, source="cvs", concerns="Rent"), by=caseworker
    )
    workflow.open_case(workflow.refer_organisation(youth, by=caseworker, source="cvs", concerns="Cash"), by=caseworker)
    workflow.add_note(found, by=caseworker, text="The landlord served notice on the kitchen.", kind="call")
    repeat = workflow.refer_organisation(club, by=caseworker, source="funder", concerns="Rent again")

    page = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    sign_in(page, caseworker.email)
    page.goto("/lifeboat/")
    page.get_by_label("Search", exact=True).fill("landlord")
    page.get_by_role("button", name="Show cases").click()
    cases = page.locator("table").last
    assert cases.get_by_role("link", name="Riverside Lunch Club").is_visible()
    assert cases.get_by_role("link", name="Hillside Youth").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    cases.get_by_role("link", name="Riverside Lunch Club").click()
    page.get_by_role("link", name="Hand over the case to another caseworker").click()
    page.get_by_label("New owner").select_option(label="Olu Other")
    page.get_by_label("Why the case is being handed over").fill("Annual leave for three weeks")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Olu Other now owns the case").wait_for()
    assert Case.objects.get(pk=found.pk).owner == colleague

    page.goto("/lifeboat/")
    page.get_by_role("link", name="Dismiss the referral of Riverside Lunch Club").click()
    page.get_by_label("Why the referral is dismissed").fill("Repeats the CVS referral of this week")
    page.get_by_role("button", name="Dismiss the referral").click()
    page.get_by_text("is dismissed").wait_for()
    assert Referral.objects.get(pk=repeat.pk).dismissal_reason == "Repeats the CVS referral of this week"
