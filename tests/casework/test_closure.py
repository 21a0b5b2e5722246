"""Orderly closure: every stage's guard, the register rules (C1–C8) and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Case, Closure, RegisterItem
from core import audit
from core.models import AuditEvent
from core.workflow import TransitionNotAllowed
from organisations.models import Organisation
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def planning(caseworker, panel_member, reviewed_org):
    return scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)


@pytest.fixture
def closure(planning):
    return Closure.objects.get(pk=planning["closure"].pk)


@pytest.fixture
def winding_down(closure, caseworker, panel_member):
    """The planning closure with a full plan approved by the panel: items for service (the lunch
    club), fund and asset, the staff timeline."""
    for item in closure.items.all():
        workflow.save_item(closure, by=caseworker, item=item, outcome="ended", destination_note="Signposted to CVS")
    workflow.save_item(
        closure,
        by=caseworker,
        register="fund",
        kind="unrestricted",
        name="General fund",
        owner=caseworker,
        due_on=TODAY,
        outcome="spent",
        destination_note="Final salaries",
    )
    workflow.save_item(
        closure,
        by=caseworker,
        register="asset",
        kind="bank_account",
        name="Current account",
        owner=caseworker,
        due_on=TODAY,
        outcome="closed",
    )
    workflow.update_closure(
        closure,
        by=caseworker,
        part="winding_down",
        staff_timeline="Two staff leave at the end of March.",
        collective_consultation="",
        creditors_declaration_on=None,
        safeguarding_handover="None open",
        data_disposition="Deleted",
        records_custodian="The chair",
    )
    return workflow.move_closure(closure, "wind_down", by=panel_member)


def _item(closure, caseworker, **fields):
    base = {"owner": caseworker, "due_on": TODAY}
    return workflow.save_item(closure, by=caseworker, **(base | fields))


def _settle(item, by):
    item = workflow.save_item(item.closure, by=by, item=RegisterItem.objects.get(pk=item.pk), completed_on=TODAY)
    item = workflow.move_item(item, "agree", by=by)
    return workflow.move_item(item, "complete", by=by)


# --- decision --------------------------------------------------------------------------------------
def test_approving_the_pathway_starts_the_closure_record(planning):
    case = Case.objects.get(pk=planning["closing_case"].pk)
    assert case.pathway_record == case.closure
    assert AuditEvent.objects.filter(object_type="casework.closure", action="start").count() == 1


def test_a_failed_solvency_test_allows_only_the_insolvent_route(caseworker, panel_member, reviewer_org):
    case = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewer_org).case
    closure = case.closure
    with pytest.raises(TransitionNotAllowed, match="solvency tests are recorded and passed"):
        workflow.move_closure(closure, "decide", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="solvency test is recorded as failed"):
        workflow.move_closure(closure, "go_insolvent", by=caseworker, reason="Cash gone", practitioner="A. Smith")
    workflow.update_closure(
        closure,
        by=caseworker,
        part="decision",
        balance_sheet_solvent=True,
        cash_flow_solvent=False,
        solvency_tested_on=TODAY,
        dissolution_clause="Clause 9",
        trustee_resolution_on=TODAY,
    )
    with pytest.raises(TransitionNotAllowed, match="passed"):
        workflow.move_closure(closure, "decide", by=caseworker)
    with pytest.raises(ValidationError, match="practitioner"):
        workflow.move_closure(closure, "go_insolvent", by=caseworker, reason="Cash gone", practitioner="")
    with pytest.raises(ValidationError):  # a reason is required
        workflow.move_closure(closure, "go_insolvent", by=caseworker, practitioner="A. Smith, Smith & Co")
    closure = workflow.move_closure(
        closure, "go_insolvent", by=caseworker, reason="Cash-flow test failed", practitioner="A. Smith, Smith & Co"
    )
    assert closure.state == "insolvent_route" and closure.exit_reached
    assert Case.objects.get(pk=case.pk).pathway_finished()


def test_members_resolution_when_required(caseworker, panel_member, reviewer_org):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewer_org)
    facts = {
        "balance_sheet_solvent": True,
        "cash_flow_solvent": True,
        "solvency_tested_on": TODAY,
        "dissolution_clause": "Clause 9",
        "trustee_resolution_on": TODAY,
        "members_resolution_required": True,
    }
    workflow.update_closure(closure, by=caseworker, part="decision", **facts)
    with pytest.raises(TransitionNotAllowed, match="members"):
        workflow.move_closure(closure, "decide", by=caseworker)
    workflow.update_closure(closure, by=caseworker, part="decision", members_resolution_on=TODAY)
    assert workflow.move_closure(closure, "decide", by=caseworker).state == "decision_made"
    with pytest.raises(ValidationError, match="cannot be changed at this stage"):
        workflow.update_closure(Closure.objects.get(pk=closure.pk), by=caseworker, part="decision", options_note="x")


def test_closure_work_needs_the_case_active_on_the_closure_pathway(planning, caseworker, panel_member):
    case = Case.objects.get(pk=planning["closing_case"].pk)
    workflow.move_case(case, "hold", by=caseworker, reason="Waiting for the AGM")
    closure = Closure.objects.get(pk=planning["closure"].pk)
    with pytest.raises(ValidationError, match="active on the closure pathway"):
        workflow.save_item(closure, by=caseworker, register="asset", kind="vehicle", name="Van")
    with pytest.raises(TransitionNotAllowed, match="active on this pathway"):
        workflow.move_closure(closure, "wind_down", by=panel_member)


# --- planning --------------------------------------------------------------------------------------
def test_the_plan_needs_registers_owners_dates_and_staff_timeline_and_the_panel(closure, caseworker, panel_member):
    with pytest.raises(PermissionDenied):  # four eyes: the team never approves its own plan
        workflow.move_closure(closure, "wind_down", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="services, assets and funds"):
        workflow.move_closure(closure, "wind_down", by=panel_member)
    _item(closure, caseworker, register="fund", kind="designated", name="Building fund")
    workflow.save_item(closure, by=caseworker, register="asset", kind="vehicle", name="Van")  # no owner, no date
    workflow.update_closure(
        closure,
        by=caseworker,
        part="winding_down",
        staff_timeline="All leave in March",
        collective_consultation="",
        creditors_declaration_on=None,
        safeguarding_handover="",
        data_disposition="",
        records_custodian="",
    )
    with pytest.raises(TransitionNotAllowed, match="owner and a due date"):
        workflow.move_closure(closure, "wind_down", by=panel_member)
    van = closure.items.get(name="Van")
    workflow.save_item(closure, by=caseworker, item=van, owner=caseworker, due_on=TODAY)
    assert workflow.move_closure(closure, "wind_down", by=panel_member).state == "winding_down"


# --- register rules --------------------------------------------------------------------------------
def test_tupe_transfer_less_than_28_days_after_information_is_recorded_and_flagged(closure, caseworker, reviewer_org):
    # Refusing the real date would invite back-dating; the shortfall is a claim (TUPE reg 12), not a bar.
    item = _item(
        closure,
        caseworker,
        register="employee",
        kind="employee",
        name="Project worker",
        outcome="tupe",
        destination=reviewer_org,
        eli_sent_on=TODAY,
        transfer_on=TODAY + 27 * DAY,
    )
    assert RegisterItem.objects.get(pk=item.pk).transfer_on == TODAY + 27 * DAY
    assert item.problems() == []
    assert len(item.legal_flags()) == 1 and "1 day(s) late" in item.legal_flags()[0]
    item = workflow.save_item(closure, by=caseworker, item=item, transfer_on=TODAY + 28 * DAY)
    assert item.legal_flags() == []
    with pytest.raises(ValidationError, match="leaving date cannot be before notice"):  # impossible dates still are
        _item(
            closure,
            caseworker,
            register="employee",
            kind="employee",
            name="Cook",
            outcome="redundancy",
            notice_on=TODAY,
            leaving_on=TODAY - DAY,
        )


def test_twenty_redundancies_within_90_days_need_collective_consultation(winding_down, caseworker):
    closure = winding_down
    staff = [
        _item(
            closure,
            caseworker,
            register="employee",
            kind="employee",
            name=f"Worker {n}",
            outcome="redundancy",
            notice_on=TODAY - 100 * DAY,
            leaving_on=TODAY - (60 - n * 3) * DAY,  # 20 leaving dates spread over 57 days, all passed
        )
        for n in range(20)
    ]
    assert closure.redundancy_clusters() == 20
    for item in [*closure.items.exclude(kind="bank_account").exclude(register="employee"), *staff]:
        _settle(item, caseworker)
    _settle(closure.items.get(kind="bank_account"), caseworker)
    with pytest.raises(TransitionNotAllowed, match="collective consultation"):
        workflow.move_closure(Closure.objects.get(pk=closure.pk), "finish_winding_down", by=caseworker)
    workflow.update_closure(
        Closure.objects.get(pk=closure.pk),
        by=caseworker,
        part="winding_down",
        collective_consultation="Consulted the staff representatives from 1 March for 30 days",
    )
    with pytest.raises(TransitionNotAllowed, match="the date it began"):
        workflow.move_closure(Closure.objects.get(pk=closure.pk), "finish_winding_down", by=caseworker)
    workflow.update_closure(
        Closure.objects.get(pk=closure.pk), by=caseworker, part="winding_down", redundancies_proposed_on=TODAY
    )
    assert workflow.move_closure(Closure.objects.get(pk=closure.pk), "finish_winding_down", by=caseworker).state == (
        "final_accounts"
    )


def test_nineteen_redundancies_or_a_wider_spread_need_no_collective_consultation(winding_down, caseworker):
    for n in range(20):
        _item(
            winding_down,
            caseworker,
            register="employee",
            kind="employee",
            name=f"Worker {n}",
            outcome="redundancy",
            notice_on=TODAY,
            leaving_on=TODAY + (n * 10) * DAY,  # spread over 190 days: at most 9 in any 90
        )
    assert winding_down.redundancy_clusters() == 9
    assert winding_down.redundancies_consulted()


def test_restricted_fund_goes_only_to_a_compatible_recipient_with_the_funders_consent(
    winding_down, caseworker, panel_member, reviewer_org
):
    fund = _item(
        winding_down,
        caseworker,
        register="fund",
        kind="restricted",
        name="Youth grant",
        value=Decimal("8000"),
        outcome="transferred",
        destination=reviewer_org,
    )
    assert fund.problems() == [
        "A named reviewer must mark the recipient's purposes compatible with the fund's.",
        "Record the funder's consent to the transfer.",
    ]
    with pytest.raises(TransitionNotAllowed, match="destination is complete"):
        workflow.move_item(fund, "agree", by=caseworker)
    with pytest.raises(ValidationError, match="why"):
        workflow.mark_compatible(fund, by=panel_member, note=" ")
    workflow.mark_compatible(fund, by=panel_member, note="Both work with young people in Camden.")
    fund = workflow.save_item(
        winding_down, by=caseworker, item=RegisterItem.objects.get(pk=fund.pk), funder_consent="Letter of 3 March"
    )
    assert fund.problems() == []
    assert workflow.move_item(fund, "agree", by=caseworker).state == "agreed"


def test_restricted_fund_returned_to_its_funder(winding_down, caseworker):
    fund = _item(winding_down, caseworker, register="fund", kind="restricted", name="Grant", outcome="returned")
    assert fund.problems() == ["Choose the funder it goes back to."]
    fund = workflow.save_item(winding_down, by=caseworker, item=fund, funder=OrganisationFactory())
    assert fund.problems() == []


def test_services_need_a_provider_and_go_live_date_or_signposting(winding_down, caseworker, reviewer_org):
    service = _item(
        winding_down, caseworker, register="service", kind="service", name="Food bank", outcome="transferred"
    )
    assert service.problems() == [
        "Choose the organisation it goes to.",
        "Give the date the new provider takes the service on.",
    ]
    service = workflow.save_item(winding_down, by=caseworker, item=service, destination=reviewer_org, go_live_on=TODAY)
    assert service.problems() == []


def test_wrong_kinds_and_destinations_are_refused_plainly(winding_down, caseworker):
    with pytest.raises(ValidationError, match="kind of services"):
        _item(winding_down, caseworker, register="service", kind="vehicle", name="Van")
    with pytest.raises(ValidationError, match="does not apply"):
        _item(winding_down, caseworker, register="service", kind="service", name="Club", outcome="tupe")
    with pytest.raises(ValidationError, match="Unknown"):
        _item(winding_down, caseworker, register="service", kind="service", name="Club", state="completed")


def test_the_bank_account_closes_last(winding_down, caseworker):
    bank = winding_down.items.get(kind="bank_account")
    bank = workflow.save_item(winding_down, by=caseworker, item=bank, completed_on=TODAY)
    bank = workflow.move_item(bank, "agree", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="before the bank account closes"):
        workflow.move_item(bank, "complete", by=caseworker)
    for item in winding_down.items.exclude(kind="bank_account"):
        _settle(item, caseworker)
    assert workflow.move_item(RegisterItem.objects.get(pk=bank.pk), "complete", by=caseworker).state == "completed"


def test_not_applicable_needs_a_reason_and_someone_else_to_approve(winding_down, caseworker, panel_member):
    colleague = MembershipFactory(role="caseworker", organisation=caseworker.memberships.first().organisation).person
    winding_down.case.team.add(colleague)
    item = _item(winding_down, caseworker, register="contract", kind="contract", name="Photocopier lease")
    with pytest.raises(ValidationError):
        workflow.move_item(item, "ask_not_applicable", by=caseworker, reason="")
    item = workflow.move_item(item, "ask_not_applicable", by=caseworker, reason="Ended last year")
    assert (item.na_requested_by, item.na_reason) == (caseworker, "Ended last year")
    with pytest.raises(PermissionDenied):
        workflow.move_item(item, "approve_not_applicable", by=caseworker)
    item = workflow.move_item(item, "refuse_not_applicable", by=colleague, reason="The lease runs to 2027")
    assert (item.state, item.na_requested_by) == ("proposed", None)
    item = workflow.move_item(item, "ask_not_applicable", by=caseworker, reason="Ended last year (letter found)")
    item = workflow.move_item(item, "approve_not_applicable", by=panel_member)
    assert (item.state, item.na_approved_by, item.is_resolved) == ("not_applicable", panel_member, True)
    with pytest.raises(ValidationError, match="settled"):
        workflow.save_item(winding_down, by=caseworker, item=item, name="Changed")


def test_creditors_provided_for_need_the_trustees_declaration(winding_down, caseworker):
    _item(
        winding_down,
        caseworker,
        register="creditor",
        kind="creditor",
        name="HMRC",
        outcome="provided_for",
        reference="PAYE",
    )
    assert not Closure.objects.get(pk=winding_down.pk).liabilities_covered()
    workflow.update_closure(winding_down, by=caseworker, part="winding_down", creditors_declaration_on=TODAY)
    assert Closure.objects.get(pk=winding_down.pk).liabilities_covered()


# --- completion --------------------------------------------------------------------------------------
def test_finishing_is_refused_with_the_outstanding_items_counted(winding_down, caseworker):
    _item(winding_down, caseworker, register="asset", kind="vehicle", name="Van")
    with pytest.raises(TransitionNotAllowed) as refused:
        workflow.move_closure(winding_down, "finish_winding_down", by=caseworker)
    assert str(refused.value) == (
        "4 register items still need a completed destination or an approved reason (assets 2, funds 1, services 1)."
    )


def test_outstanding_list_on_the_page_links_to_each_item(winding_down, caseworker, client_for):
    page = client_for(caseworker).get(reverse("casework:closure", args=[winding_down.case_id])).content.decode()
    assert "3 items still need a completed destination" in page
    for item in winding_down.items.all():
        assert f'href="#item-{item.pk}"' in page and f'id="item-{item.pk}"' in page


def test_dissolution_needs_evidence_the_panel_and_for_companies_the_strike_off_rules(
    caseworker, panel_member, reviewer_org, reviewed_org
):
    # A charitable company always has its company number (Organisation.clean); dissolving marks the
    # organisation dissolved through organisations.workflow, which validates the whole record.
    reviewed_org.legal_form = Organisation.LegalForm.CHARITABLE_COMPANY
    reviewed_org.company_number = "01234567"
    reviewed_org.save()
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    case = closure.case
    closure = scenes.closure_decided(closure, caseworker=caseworker, panel_member=panel_member)
    items = scenes.closure_items(closure, caseworker=caseworker, destination=reviewer_org, funder=OrganisationFactory())
    workflow.update_closure(
        closure,
        by=caseworker,
        part="winding_down",
        staff_timeline="None",
        safeguarding_handover="None open",
        data_disposition="Deleted",
        records_custodian="Chair",
    )
    closure = workflow.move_closure(closure, "wind_down", by=panel_member)
    for key in ("service", "fund", "asset", "bank"):
        _settle(items[key], caseworker)
    closure = workflow.move_closure(closure, "finish_winding_down", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="final accounts are approved and attached"):
        workflow.move_closure(closure, "file", by=caseworker)
    workflow.update_closure(closure, by=caseworker, part="filing", final_accounts_approved_on=TODAY)
    workflow.add_document(
        case, by=caseworker, slot="final_accounts", title="Accounts", dated_on=TODAY, upload=scenes.pdf_upload()
    )
    closure = workflow.move_closure(closure, "file", by=caseworker)
    workflow.update_closure(
        closure,
        by=caseworker,
        part="filing",
        last_trading_on=TODAY - 60 * DAY,
        dissolution_reference="DS01 submitted",
        dissolution_filed_on=TODAY,
    )
    workflow.add_document(
        case, by=caseworker, slot="dissolution", title="DS01", dated_on=TODAY, upload=scenes.pdf_upload()
    )
    with pytest.raises(PermissionDenied):  # four eyes: the team never confirms its own closure
        workflow.move_closure(closure, "dissolve", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="after 3 months without trading"):
        workflow.move_closure(closure, "dissolve", by=panel_member)
    workflow.update_closure(
        closure,
        by=caseworker,
        part="filing",
        last_trading_on=TODAY - 70 * DAY - 3 * 31 * DAY,
        dissolution_filed_on=TODAY - 70 * DAY,
        no_other_activities=True,
        no_pending_proceedings=True,
        parties_notified_on=TODAY - 70 * DAY,
    )
    # Filing the DS01 does not dissolve a company: the Gazette period must run first.
    with pytest.raises(TransitionNotAllowed, match="Gazette period"):
        workflow.move_closure(closure, "dissolve", by=panel_member)
    workflow.update_closure(
        closure, by=caseworker, part="filing", gazette_notice_on=TODAY - 65 * DAY, dissolved_on=TODAY
    )
    closure = workflow.move_closure(closure, "dissolve", by=panel_member)
    assert (closure.state, closure.dissolution_approved_by) == ("dissolved", panel_member)
    with pytest.raises(ValidationError, match="between the decision and the final accounts"):
        workflow.save_item(closure, by=caseworker, register="asset", kind="vehicle", name="Late van")
    closure = workflow.move_closure(closure, "after_closure", by=caseworker)
    assert closure.state == "post_closure"


def test_every_register_change_is_audited(winding_down, caseworker):
    item = _item(
        winding_down,
        caseworker,
        register="asset",
        kind="vehicle",
        name="Van",
        outcome="sold",
        destination_note="Sold for £2,000",
    )
    _settle(item, caseworker)
    actions = list(audit.events_for(item).values_list("action", flat=True))
    assert actions == ["create", "update", "agree", "complete"]
    assert audit.verify()[1] is None


def test_a_closed_case_is_read_only_for_its_closure(caseworker, panel_member, reviewed_org, reviewer_org):
    case = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org).case
    scenes.closure_dissolved(
        case.closure, caseworker=caseworker, panel_member=panel_member, destination=reviewer_org, funder=reviewer_org
    )
    workflow.record_outcome(case, by=caseworker, outcome="closed_orderly", note="Services passed on")
    case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
    case = workflow.move_case(case, "close", by=panel_member)
    with pytest.raises(ValidationError, match="read-only"):
        workflow.update_closure(
            Closure.objects.get(case=case), by=caseworker, part="winding_down", data_disposition="x"
        )
    with pytest.raises(ValidationError, match="read-only"):
        workflow.add_task(case, by=caseworker, title="More", due_on=TODAY, assignee=caseworker)


# --- tasks and documents -----------------------------------------------------------------------------
def test_tasks_go_to_the_case_team_only(planning, caseworker, panel_member):
    case = planning["closing_case"]
    with pytest.raises(ValidationError, match="case team"):
        workflow.add_task(case, by=caseworker, title="Call the bank", due_on=TODAY, assignee=panel_member)
    task = workflow.complete_task(planning["task"], by=caseworker)
    assert task.done_by == caseworker
    with pytest.raises(ValidationError, match="already done"):
        workflow.complete_task(task, by=caseworker)


def test_documents_are_checked_and_served_only_to_the_case(planning, caseworker, client_for, funder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = planning["closing_case"]
    fake = SimpleUploadedFile("accounts.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="not an accepted type"):
        workflow.add_document(case, by=caseworker, slot="accounts", title="Accounts", dated_on=TODAY, upload=fake)
    url = reverse("casework:document-download", args=[planning["document"].pk])
    response = client_for(caseworker).get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert client_for(funder).get(url).status_code == 404


def test_item_form_shows_the_date_rule_and_saves_nothing(planning, caseworker, client_for, reviewer_org):
    closure = planning["closure"]
    url = reverse("casework:item-new", args=[closure.case_id, "employee"])
    before = RegisterItem.objects.count()
    base = {"kind": "employee", "name": "Finance officer", "owner": caseworker.pk, "due_on": TODAY.isoformat()}
    impossible = {"outcome": "redundancy", "notice_on": TODAY.isoformat(), "leaving_on": (TODAY - DAY).isoformat()}
    response = client_for(caseworker).post(url, base | impossible)
    assert response.status_code == 200
    assert "The leaving date cannot be before notice was given." in response.content.decode()
    assert RegisterItem.objects.count() == before


def test_item_form_records_a_late_tupe_date_and_the_page_flags_it(planning, caseworker, client_for, reviewer_org):
    closure = planning["closure"]
    client = client_for(caseworker)
    late = {
        "kind": "employee",
        "name": "Finance officer",
        "owner": caseworker.pk,
        "due_on": TODAY.isoformat(),
        "outcome": "tupe",
        "destination": reviewer_org.pk,
        "eli_sent_on": TODAY.isoformat(),
        "transfer_on": (TODAY + 10 * DAY).isoformat(),
    }
    assert client.post(reverse("casework:item-new", args=[closure.case_id, "employee"]), late).status_code == 302
    item = RegisterItem.objects.get(closure=closure, name="Finance officer")
    assert item.transfer_on == TODAY + 10 * DAY
    page = client.get(reverse("casework:closure", args=[closure.case_id])).content.decode()
    assert "Employee liability information went 18 day(s) late" in page


# --- timeline and decision log -----------------------------------------------------------------------
def test_decision_log_holds_every_event_of_the_case_and_exports(planning, caseworker, client_for):
    from casework import queries

    case = planning["closing_case"]
    events = list(queries.case_events(case))
    types = {e.object_type for e in events}
    assert {"casework.referral", "casework.case", "casework.closure", "casework.registeritem"} <= types
    assert {"casework.task", "casework.casedocument", "casework.healthcheck"} <= types
    other = scenes.case_awaiting_decision(caseworker=caseworker, organisation=OrganisationFactory())["case"]
    assert not {e.pk for e in queries.case_events(other)} & {e.pk for e in events}

    client = client_for(caseworker)
    csv_text = client.get(reverse("casework:decision-log-csv", args=[case.pk])).content.decode()
    assert csv_text.splitlines()[0].startswith("When,Who,Role,What")
    assert len(csv_text.strip().splitlines()) == len(events) + 1
    page = client.get(reverse("casework:case-timeline", args=[case.pk])).content.decode()
    assert "Write to the lunch club" in page or "Task" in page
    assert "Resolution" in page  # the document's link


def test_case_pdfs_list_the_registers_and_the_log(planning, caseworker, client_for):
    import io

    from pypdf import PdfReader

    case = planning["closing_case"]
    client = client_for(caseworker)
    for kind, expected in [("closure", "Lunch club"), ("decision-log", "Decision log"), ("summary", "health check")]:
        response = client.get(reverse("reports:case-pdf", args=[case.pk, kind]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert expected in text, kind
    assert client.get(reverse("reports:case-pdf", args=[case.pk, "other"])).status_code == 404


def test_a_note_can_be_about_one_register_item_of_the_same_case(planning, caseworker, client_for, reviewer_org):
    case, item = planning["closing_case"], planning["item"]
    workflow.add_note(case, by=caseworker, text="The club's users want to stay together.", item=item)
    page = client_for(caseworker).get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert f"#item-{item.pk}" in page and "want to stay together" in page
    other = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewer_org)["case"]
    with pytest.raises(ValidationError, match="another case"):
        workflow.add_note(other, by=caseworker, text="Wrong case", item=item)
