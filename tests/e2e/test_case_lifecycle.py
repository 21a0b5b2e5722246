"""A caseworker and a panel member take a lifeboat case from referral, through an orderly closure
with a service and a restricted fund passed on, to closed, in the browser."""

import datetime
import re

import pytest
from django.utils import timezone

from casework.models import Case
from tests.e2e.test_sign_in import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_closure_case_from_referral_to_closed(
    browser, live_server, caseworker, panel_member, reviewed_org, reviewer_org, screenshot
):
    partner = reviewer_org  # takes on the food bank and, as the funder here, the grant balance
    today = timezone.localdate()

    def day(offset: int) -> str:  # dates relative to today: what has happened is never in the future
        return (today + datetime.timedelta(days=offset)).isoformat()

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
    worker.get_by_label("Referrer's name and contact details").fill("Sam Patel, Hackney CVS, 020 7946 0000")
    worker.get_by_role("group", name="Does the organisation know it is being referred?").get_by_label("Yes").check()
    worker.get_by_label("Concerns").fill("Lost its council contract; cash for about two months.")
    worker.get_by_role("button", name="Record referral").click()
    worker.get_by_role("button", name=f"Open a case for {reviewed_org.name}").click()
    case_url = worker.url

    worker.get_by_role("link", name="Record screening").click()
    worker.get_by_label("I have checked").check()
    worker.get_by_label("Date of the latest accounts").fill(day(-150))
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
        worker.get_by_label(label).fill(day(-30))
    worker.get_by_role("button", name="Save").click()
    worker.get_by_text("recommends turnaround").first.wait_for()
    worker.get_by_role("button", name="Send to the panel").click()
    screenshot("case-awaiting-decision", worker)
    assert worker.get_by_role("link", name="Choose the pathway").count() == 0  # the triager never decides

    panel.goto(case_url)
    panel.get_by_role("link", name="Choose the pathway").click()
    panel.get_by_label("Orderly closure").check()
    panel.get_by_label("Reason").fill("The trustees resolved to close and pass the food bank on.")
    panel.get_by_label("Date of the board's consent").fill(day(-28))
    panel.get_by_label("How the board consented").fill("Board resolution, minuted.")
    panel.get_by_role("button", name="Save").click()
    panel.get_by_role("button", name="Approve the pathway").click()
    assert Case.objects.get().state == "active"

    # The closure: decision, plan, registers.
    worker.goto(case_url)
    worker.get_by_role("link", name="Orderly closure: decision pending").click()
    closure_url = worker.url
    worker.get_by_role("link", name="Record the decision").click()
    worker.get_by_label("Balance-sheet test").select_option("true")
    worker.get_by_label("Cash-flow test").select_option("true")
    worker.get_by_label("Date of the solvency tests").fill(day(-21))
    worker.get_by_label("Dissolution clause").fill("Clause 21: to a charity with similar objects")
    worker.get_by_label("Date of the trustees' resolution").fill(day(-21))
    worker.get_by_label("Date of the members' resolution").fill(day(-21))  # a CIO's members resolve to dissolve
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Record the decision to close").click()
    worker.get_by_role("button", name="Start planning").click()

    def field(label):  # optional fields' labels end "(optional)"
        return worker.get_by_label(re.compile("^" + re.escape(label)))

    def add_item(register, kind, name, where, **extra):
        worker.get_by_role("link", name=f"Add to {register}").click()
        field("Kind").select_option(label=kind)
        field("Name").fill(name)
        field("Owner").select_option(label=caseworker.full_name)
        field("Due by").fill(day(14))
        field("Where it goes").select_option(label=where)
        for label, value in extra.items():
            box = field(label)
            box.select_option(label=value) if box.evaluate("e => e.tagName") == "SELECT" else box.fill(value)
        worker.get_by_role("button", name="Save").click()

    add_item(
        "services",
        "Service",
        "Food bank",
        "Transferred to another organisation",
        **{"Receiving organisation": partner.name, "Date the new provider takes it on": day(-2)},
    )
    add_item(
        "funds",
        "Restricted fund",
        "Youth grant balance",
        "Returned to the funder",
        **{"Funder (restricted funds)": partner.name},
    )
    add_item("assets", "Bank account", "Current account", "Closed")
    worker.get_by_role("link", name="Change the winding-down details").click()
    worker.get_by_label("Staff timeline").fill("No paid staff; volunteers thanked.")
    worker.get_by_label("Safeguarding handover").fill("None open")
    worker.get_by_label("Personal data: what happened to it").fill("Deleted")
    worker.get_by_label("Custodian of the retained records").fill("The chair")
    worker.get_by_role("button", name="Save").click()
    assert worker.get_by_role("button", name="Approve the plan and start winding down").count() == 0  # four eyes

    panel.goto(closure_url)
    panel.get_by_role("button", name="Approve the plan and start winding down").click()

    worker.goto(closure_url)
    worker.get_by_text("3 items still need a completed destination").wait_for()  # the refusal lists them
    screenshot("closure-outstanding", worker)
    for name in ("Food bank", "Youth grant balance", "Current account"):  # the bank account last
        worker.get_by_role("link", name=f"Change {name}").click()
        field("Date completed").fill(day(-1))
        worker.get_by_role("button", name="Save").click()
        worker.get_by_role("button", name=f"Agree {name}").click()
        worker.get_by_role("button", name=f"Mark completed {name}").click()
    worker.get_by_text("Every register item is resolved").wait_for()
    worker.get_by_role("button", name="Registers done: prepare final accounts").click()

    def upload(slot, title):
        worker.goto(case_url)
        worker.get_by_role("link", name="Add a document").click()
        worker.get_by_label("Evidence slot").select_option(label=slot)
        worker.get_by_label("Title").fill(title)
        worker.get_by_label("Date of the document").fill(day(0))
        worker.get_by_label("File").set_input_files(
            {"name": f"{title}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%demo\n"}
        )
        worker.get_by_role("button", name="Save").click()
        worker.goto(closure_url)

    upload("Final accounts", "Final accounts")
    worker.get_by_role("link", name="Change the filing details").click()
    worker.get_by_label("Date the final accounts were approved").fill(day(0))
    worker.get_by_label("Date the organisation last traded").fill(day(-120))
    worker.get_by_label("Dissolution reference").fill("Removed from the register")
    worker.get_by_label("Date the dissolution was filed").fill(day(0))
    worker.get_by_label("Date dissolution took effect").fill(day(0))  # a CIO: when the regulator removes it
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="File with the regulators").click()
    upload("Dissolution evidence (regulator removal, DS01, CIO application)", "Removal letter")
    assert worker.get_by_role("button", name="Confirm the organisation is dissolved").count() == 0

    panel.goto(closure_url)
    panel.get_by_role("button", name="Confirm the organisation is dissolved").click()
    screenshot("closure-dissolved", panel)
    assert Case.objects.get().closure.state == "dissolved"

    worker.goto(case_url)
    worker.get_by_role("link", name="Record the outcome").click()
    worker.get_by_label("Closed in an orderly way, services passed on").check()
    worker.get_by_label("What happened").fill("The food bank and the grant balance went to a neighbour.")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Propose closing the case").click()
    assert worker.get_by_role("button", name="Close the case").count() == 0  # the owner never closes

    panel.goto(case_url)
    panel.get_by_role("button", name="Close the case").click()
    screenshot("case-closed", panel)
    assert Case.objects.get().state == "closed"
