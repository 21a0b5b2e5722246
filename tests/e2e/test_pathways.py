"""A caseworker and a panel member take a turnaround case to exited (with a small grant paid in a
tranche) and an interim placement to ended, in the browser. The cases start active on their
pathway (choosing it in the browser is covered by test_case_lifecycle)."""

import re

import pytest
from django.utils import timezone

from casework.models import Grant, Interim, Turnaround
from tests import scenes
from tests.e2e.test_sign_in import sign_in
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate().isoformat()
PDF = {"name": "evidence.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 evidence"}


@pytest.fixture
def session(browser, live_server):
    def open_for(person):
        page = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900}).new_page()
        page.set_default_timeout(10_000)
        sign_in(page, person.email)
        return page

    return open_for


def _fill(page, values: dict[str, str]) -> None:
    for label, value in values.items():  # optional fields' labels end in "(optional)"
        page.get_by_label(re.compile(rf"^{re.escape(label)}( \(optional\))?$")).fill(value)


def _attach(page, slot_label: str, title: str) -> None:
    page.get_by_role("link", name="Attach a document").click()
    page.get_by_label("What the document is").select_option(label=slot_label)
    _fill(page, {"Title": title, "Date of the document": TODAY})
    page.get_by_label("File").set_input_files(PDF)
    page.get_by_role("button", name="Attach").click()


def test_turnaround_to_exited(session, caseworker, panel_member, reviewed_org, screenshot):
    record = scenes.case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    url = f"/lifeboat/cases/{record.case_id}/turnaround/"
    worker, panel = session(caseworker), session(panel_member)

    worker.goto(url)
    worker.get_by_text("The causes of distress are recorded.").wait_for()
    worker.get_by_role("link", name="Update the diagnosis, plan or exit tests").click()
    _fill(
        worker,
        {
            "Causes of distress": "Lost its council contract.",
            "Date solvency was re-tested": TODAY,
            "Date the board approved the plan": TODAY,
            "Expert help engaged, with its scope": "none",
        },
    )
    worker.get_by_role("button", name="Save").click()
    _attach(worker, "13-week cash forecast", "Treasurer's forecast")
    worker.get_by_role("link", name="Add a milestone").click()
    _fill(
        worker,
        {"Title": "Cut costs", "Measure (how we will know it is done)": "Costs under £15k", "Due date": TODAY},
    )
    worker.get_by_label("Owner at the organisation").fill("Treasurer")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Diagnosis done: draft the plan").click()
    assert worker.get_by_role("button", name="Approve the plan").count() == 0  # four eyes

    panel.goto(url)
    panel.get_by_role("button", name="Approve the plan").click()
    worker.goto(url)
    worker.get_by_role("button", name="Start implementing").click()
    worker.get_by_role("link", name="Ask for a small grant").click()
    _fill(
        worker, {"Title": "Finance system", "What the grant is restricted to": "A finance system", "Amount (£)": "800"}
    )
    worker.get_by_role("button", name="Save").click()
    assert worker.get_by_role("link", name="Approve the grant Finance system").count() == 0  # four eyes

    panel.goto(url)
    panel.get_by_role("link", name="Approve the grant Finance system").click()
    panel.get_by_label("Your conflict-of-interest declaration").fill("none")
    panel.get_by_role("button", name="Save").click()

    worker.goto(url)
    worker.get_by_role("link", name="Plan a tranche of Finance system").click()
    worker.get_by_label("Milestone whose evidence releases it").select_option(label="Cut costs")
    worker.get_by_label("Amount (£)").fill("800")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_text("The tranche's milestone has dated evidence").first.wait_for()  # evidence first
    worker.get_by_role("link", name="Change Cut costs").click()
    _fill(worker, {"Evidence that it was met": "October accounts", "Date of the evidence": TODAY})
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Release the payment of £800.00").click()
    worker.get_by_role("button", name="Payments done: start monitoring").click()
    worker.get_by_role("link", name="Record the monitoring of Finance system").click()
    worker.get_by_label("How the money was spent against its purpose").fill("System live.")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Close the grant").click()
    assert Grant.objects.get().state == "closed"

    worker.get_by_role("button", name="Start a review").click()
    worker.get_by_role("link", name="Update the diagnosis, plan or exit tests").click()
    _fill(
        worker,
        {
            "Cash runway now (weeks)": "14",
            "Free reserves now (months)": "3",
            "The organisation's reserves target (months)": "3",
            "Date the board reaffirmed it is a going concern": TODAY,
        },
    )
    worker.get_by_label("Statutory filings are up to date").check()
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Record that it is stable").click()
    worker.get_by_role("button", name="Exit the turnaround").click()
    screenshot("turnaround-exited", worker)
    assert Turnaround.objects.get().state == "exited"


def test_interim_to_ended(session, caseworker, panel_member, screenshot):
    record = scenes.case_on_pathway(
        "interim", caseworker=caseworker, panel=panel_member, organisation=OrganisationFactory()
    )
    url = f"/lifeboat/cases/{record.case_id}/interim/"
    worker, panel = session(caseworker), session(panel_member)

    worker.goto(url)
    worker.get_by_role("link", name="Update the brief, contract or exit report").click()
    _fill(
        worker,
        {
            "Scope": "Run the charity",
            "Deliverables": "A balanced budget",
            "Duration (months)": "6",
            "Day rate (£)": "450",
            "Who pays, from which budget": "Lifeboat fund",
            "Named board sponsor": "Priya Shah, chair",
        },
    )
    worker.get_by_role("button", name="Save").click()
    assert worker.get_by_role("button", name="Agree the brief and budget").count() == 0  # the panel agrees

    panel.goto(url)
    panel.get_by_role("button", name="Agree the brief and budget").click()

    worker.goto(url)
    worker.get_by_role("button", name="Start sourcing candidates").click()
    for name in ("Alex Morgan", "Sam Okafor"):
        worker.get_by_role("link", name="Add a candidate").click()
        worker.get_by_label("Name", exact=True).fill(name)
        if name == "Alex Morgan":
            _fill(
                worker,
                {
                    "Conflict check: what was found (or 'none')": "none",
                    "Date of the conflict check": TODAY,
                    "Date references were taken": TODAY,
                },
            )
        worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Choose Alex Morgan").click()
    worker.get_by_role("button", name="Record the match").click()
    worker.get_by_role("button", name="Record the contract").click()
    _attach(worker, "Signed agreement", "Placement agreement")
    worker.get_by_role("link", name="Update the brief, contract or exit report").click()
    _fill(worker, {"Start date": TODAY, "Reporting line to the board": "The chair"})
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="The interim is in post").click()
    worker.get_by_role("button", name="Start a review").click()
    worker.get_by_role("link", name="Record the review").click()
    worker.get_by_label("Move to handover").check()
    worker.get_by_label("How the placement is going").fill("Budget balanced.")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="Start the handover").click()
    _attach(worker, "Exit report", "Exit report")
    worker.get_by_role("link", name="Update the brief, contract or exit report").click()
    _fill(
        worker,
        {
            "Exit report: what was done": "Budget balanced.",
            "Exit report: what is left for the permanent CEO": "Strategy.",
            "Exit report: what is in progress and documented": "Two bids.",
            "Date the board sponsor signed off": TODAY,
        },
    )
    worker.get_by_label("Permanent CEO recruitment").select_option(label="Recruiting")
    worker.get_by_role("button", name="Save").click()
    worker.get_by_role("button", name="End the placement").click()
    screenshot("interim-ended", worker)
    assert Interim.objects.get().state == "ended"
