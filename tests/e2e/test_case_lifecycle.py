"""A caseworker and a panel member take a lifeboat case from referral to closed in the browser."""

import pytest

from casework.models import Case
from tests.e2e.test_sign_in import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_case_from_referral_to_closed(browser, live_server, caseworker, panel_member, reviewed_org, screenshot):
    def session(person):
        page = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900}).new_page()
        page.set_default_timeout(10_000)
        sign_in(page, person.email)
        return page

    worker, panel = session(caseworker), session(panel_member)

    worker.goto("/lifeboat/")
    worker.get_by_role("link", name="Record a referral").click()
    worker.get_by_label("Organisation", exact=True).select_option(label=reviewed_org.name)
    worker.get_by_label("CVS or support body").check()
    worker.get_by_label("Concerns").fill("Lost its council contract; cash for about two months.")
    worker.get_by_role("button", name="Record referral").click()
    worker.get_by_role("button", name=f"Open a case for {reviewed_org.name}").click()
    case_url = worker.url

    worker.get_by_role("link", name="Record screening").click()
    worker.get_by_label("I have checked").check()
    worker.get_by_label("Date of the latest accounts").fill("2026-06-30")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Start screening").click()
    worker.get_by_role("button", name="Start triage").click()
    worker.get_by_role("link", name="Record the health check").click()
    for label, value in [
        ("Annual income (£)", "150000"),
        ("Annual expenditure (£)", "180000"),
        ("Free reserves (£)", "20000"),
        ("Cash at bank today (£)", "12000"),
        ("Share of income from the largest funder (%)", "45"),
        ("Source of the financial figures", "Management accounts"),
        ("Source of the forecast", "Treasurer"),
        ("Source of the governance answers", "Chair"),
    ]:
        worker.get_by_label(label, exact=True).fill(value)
    worker.get_by_label("13-week cash forecast").fill(", ".join(["-1500"] * 13))
    for label in ("Financial figures as of", "Forecast as of", "Governance answers as of"):
        worker.get_by_label(label).fill("2026-11-01")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_text("recommends turnaround").first.wait_for()
    worker.get_by_role("button", name="Send to the panel").click()
    screenshot("case-awaiting-decision", worker)
    assert worker.get_by_role("link", name="Choose the pathway").count() == 0  # the triager never decides

    panel.goto(case_url)
    panel.get_by_role("link", name="Choose the pathway").click()
    panel.get_by_label("Date of the board's consent").fill("2026-11-03")
    panel.get_by_label("How the board consented").fill("Board resolution, minuted.")
    panel.get_by_role("button", name="Save").click()
    panel.get_by_role("button", name="Approve the pathway").click()
    assert Case.objects.get().state == "active"

    worker.goto(case_url)
    worker.get_by_role("link", name="Record the outcome").click()
    worker.get_by_label("Stabilised and independent").check()
    worker.get_by_label("What happened").fill("A new funder; thirteen weeks of runway.")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Propose closing the case").click()
    assert worker.get_by_role("button", name="Close the case").count() == 0  # the owner never closes

    panel.goto(case_url)
    panel.get_by_role("button", name="Close the case").click()
    screenshot("case-closed", panel)
    assert Case.objects.get().state == "closed"
