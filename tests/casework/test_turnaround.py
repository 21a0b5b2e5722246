"""Turnaround: every move and guard, four eyes on the plan and on grants, the grant threshold,
tranches (evidence first, never above the grant), the 360Giving export, and confidentiality."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import giving, pathways
from casework.models import Case, Grant, Turnaround
from core.models import AuditEvent
from core.workflow import TransitionNotAllowed, available_transitions
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
State = Turnaround.State


@pytest.fixture
def record(caseworker, panel_member, reviewed_org):
    return scenes.case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)


@pytest.fixture
def approved(caseworker, panel_member, reviewed_org):
    return scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)


def _refused(record, name, by, *clauses):
    """The move is refused, naming each unmet guard as a clause of one sentence:
    "<Move> cannot happen until <guard>; and until <guard>."."""
    with pytest.raises(TransitionNotAllowed) as refusal:
        pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), name, by=by)
    for clause in clauses:
        assert f"until {clause}" in str(refusal.value)


def test_approving_the_case_starts_the_turnaround_once_and_audited(record, panel_member):
    from casework import workflow as cw

    assert cw.start_pathway(record.case, by=panel_member).pk == record.pk
    assert AuditEvent.objects.filter(action="start", object_type="casework.turnaround").count() == 1


def test_draft_plan_names_each_unmet_guard(record, caseworker):
    _refused(
        record,
        "draft_plan",
        caseworker,
        "the causes of distress are recorded",
        "a 13-week cash forecast is attached",
        "solvency has been re-tested",
    )
    pathways.update_turnaround(record, by=caseworker, causes_of_distress="Contract lost.")
    _refused(record, "draft_plan", caseworker, "a 13-week cash forecast is attached")
    scenes.attach(record.case, "cash_forecast", by=caseworker)
    _refused(record, "draft_plan", caseworker, "solvency has been re-tested (date recorded).")
    pathways.update_turnaround(Turnaround.objects.get(pk=record.pk), by=caseworker, solvency_retested_on=TODAY)
    moved = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "draft_plan", by=caseworker)
    assert moved.state == State.PLAN_DRAFTED
    assert moved.history.first().history_change_reason == "draft_plan"


def test_approve_plan_guards_and_four_eyes(record, caseworker, panel_member):
    scenes.attach(record.case, "cash_forecast", by=caseworker)
    pathways.update_turnaround(record, by=caseworker, causes_of_distress="Contract lost.", solvency_retested_on=TODAY)
    record = pathways.move_turnaround(record, "draft_plan", by=caseworker)
    with pytest.raises(PermissionDenied):  # the case team never approves its own plan
        pathways.move_turnaround(record, "approve_plan", by=caseworker)
    _refused(
        record,
        "approve_plan",
        panel_member,
        "the plan has milestones, each with a measure, an owner and a due date",
        "the organisation's board approval of the plan is recorded",
        "expert-help engagements are recorded with their scope",
    )
    milestone = pathways.add_milestone(record, by=caseworker, title="Cut costs")
    _refused(
        record, "approve_plan", panel_member, "the plan has milestones, each with a measure, an owner and a due date"
    )
    pathways.update_milestone(milestone, by=caseworker, measure="Costs down 10%", owner_name="Treasurer", due_on=TODAY)
    pathways.update_turnaround(record, by=caseworker, board_approved_plan_on=TODAY, expert_help="none")
    record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "approve_plan", by=panel_member)
    assert (record.state, record.plan_approved_by) == (State.PLAN_APPROVED, panel_member)


def test_plan_sent_back_needs_a_reason(record, caseworker, panel_member):
    scenes.attach(record.case, "cash_forecast", by=caseworker)
    pathways.update_turnaround(record, by=caseworker, causes_of_distress="x", solvency_retested_on=TODAY)
    record = pathways.move_turnaround(record, "draft_plan", by=caseworker)
    with pytest.raises(ValidationError):
        pathways.move_turnaround(record, "return_plan", by=panel_member)
    record = pathways.move_turnaround(record, "return_plan", by=panel_member, reason="Milestones too vague.")
    assert record.state == State.DIAGNOSIS


def test_implement_review_repeat_stabilise_and_exit(approved, caseworker):
    record, _ = approved
    record = pathways.move_turnaround(record, "implement", by=caseworker)
    for _round in range(2):  # review repeats
        record = pathways.move_turnaround(record, "review", by=caseworker)
        assert record.state == State.REVIEW and record.last_reviewed_on == TODAY
        _refused(
            record,
            "stabilise",
            caseworker,
            "the cash runway is at least 13 weeks",
            "free reserves meet the organisation's own policy target",
            "the board has reaffirmed the organisation is a going concern",
            "statutory filings are up to date",
        )
        record = pathways.move_turnaround(record, "continue_implementing", by=caseworker)
    record = pathways.move_turnaround(record, "review", by=caseworker)
    pathways.update_turnaround(
        record,
        by=caseworker,
        runway_weeks=12,
        reserves_months=Decimal("3.0"),
        reserves_policy_months=Decimal("3.0"),
        going_concern_reaffirmed_on=TODAY,
        filings_up_to_date=True,
        open_serious_incident=True,
    )
    _refused(record, "stabilise", caseworker, "the cash runway is at least 13 weeks", "no serious incident is open")
    pathways.update_turnaround(
        Turnaround.objects.get(pk=record.pk), by=caseworker, runway_weeks=13, serious_incident_reported_on=TODAY
    )
    record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "stabilise", by=caseworker)
    assert record.state == State.STABILISED and not record.exit_reached
    record = pathways.move_turnaround(record, "exit", by=caseworker)
    assert record.state == State.EXITED and record.exit_reached
    assert record.case.pathway_finished()


def test_reserves_below_policy_block_stabilising(approved, caseworker):
    record, _ = approved
    record = pathways.move_turnaround(
        pathways.move_turnaround(record, "implement", by=caseworker), "review", by=caseworker
    )
    pathways.update_turnaround(
        record,
        by=caseworker,
        runway_weeks=20,
        reserves_months=Decimal("2.5"),
        reserves_policy_months=Decimal("3.0"),
        going_concern_reaffirmed_on=TODAY,
        filings_up_to_date=True,
    )
    _refused(record, "stabilise", caseworker, "free reserves meet the organisation's own policy target.")


def test_moves_need_the_case_active_on_turnaround(approved, caseworker, panel_member):
    record, _ = approved
    from casework import workflow

    workflow.move_case(record.case, "hold", by=caseworker, reason="Board away.")
    _refused(record, "implement", caseworker, "the case is active on this pathway.")


@pytest.mark.parametrize("state", [s for s in State if s != State.DIAGNOSIS])
def test_draft_plan_only_from_diagnosis(state, record, caseworker):
    Turnaround.objects.filter(pk=record.pk).update(state=state)  # test set-up only
    with pytest.raises(TransitionNotAllowed, match="not possible"):
        pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "draft_plan", by=caseworker)


# --- grants ---------------------------------------------------------------------------------------
def _grant(record, by, amount="1000"):
    return pathways.request_grant(
        record, by=by, title="Finance system", purpose="A finance system", amount=Decimal(amount)
    )


def test_grants_wait_for_the_approved_plan(record, caseworker):
    with pytest.raises(ValidationError, match="once the turnaround plan is approved"):
        _grant(record, caseworker)


def test_the_requester_never_approves_their_grant(approved, caseworker, panel_member, hub):
    record, _ = approved
    grant = _grant(record, caseworker)
    assert grant.restricted and grant.state == Grant.State.REQUESTED
    with pytest.raises(PermissionDenied):
        pathways.approve_grant(grant, by=caseworker, declaration="none")
    colleague = MembershipFactory(role="caseworker", organisation=hub).person
    record.case.team.add(colleague)
    with pytest.raises(ValidationError, match="conflict of interest"):
        pathways.approve_grant(grant, by=colleague, declaration=" ")
    grant = pathways.approve_grant(grant, by=colleague, declaration="None: never worked with them.")
    assert (grant.state, grant.approved_by, grant.award_date) == (Grant.State.APPROVED, colleague, TODAY)
    assert grant.approver_declaration == "None: never worked with them."


def test_above_the_threshold_only_a_panel_member_off_the_team_approves(
    approved, caseworker, panel_member, hub, settings
):
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 5000
    record, _ = approved
    colleague = MembershipFactory(role="caseworker", organisation=hub).person
    record.case.team.add(colleague)
    at_threshold = _grant(record, caseworker, "5000")
    assert colleague.has_perm("casework.approve_grant", at_threshold)
    pathways.move_grant(at_threshold, "refuse", by=panel_member, reason="Split differently.")
    above = _grant(record, caseworker, "5000.01")
    assert not colleague.has_perm("casework.approve_grant", above)
    with pytest.raises(PermissionDenied):
        pathways.approve_grant(above, by=colleague, declaration="none")
    assert pathways.approve_grant(above, by=panel_member, declaration="none").state == Grant.State.APPROVED
    # The threshold is configurable, and counts the organisation's other grants (£5,000.01 approved).
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 10000
    assert colleague.has_perm("casework.approve_grant", _grant(record, caseworker, "4000"))
    assert not colleague.has_perm("casework.approve_grant", _grant(record, caseworker, "1000"))


def test_refusing_a_grant_needs_a_reason(approved, caseworker, panel_member):
    record, _ = approved
    grant = _grant(record, caseworker)
    with pytest.raises(ValidationError):
        pathways.move_grant(grant, "refuse", by=panel_member)
    grant = pathways.move_grant(grant, "refuse", by=panel_member, reason="Not a turnaround cost.")
    assert grant.state == Grant.State.REFUSED


@pytest.fixture
def paying(approved, caseworker, panel_member):
    record, milestone = approved
    grant = pathways.approve_grant(_grant(record, caseworker), by=panel_member, declaration="none")
    return record, milestone, grant


def test_a_tranche_is_released_only_when_its_milestone_has_evidence(paying, caseworker):
    record, milestone, grant = paying
    tranche = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("600"))
    with pytest.raises(
        TransitionNotAllowed, match="Release the payment cannot happen until the tranche's milestone has dated evidence"
    ):
        pathways.release_tranche(tranche, by=caseworker)
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Signed letter", evidence_on=TODAY)
    tranche = pathways.release_tranche(tranche, by=caseworker)
    grant = Grant.objects.get(pk=grant.pk)
    assert (tranche.state, tranche.paid_by, tranche.paid_on) == ("paid", caseworker, TODAY)
    assert grant.state == Grant.State.PAYING and grant.amount_paid == Decimal("600")
    with pytest.raises(ValidationError, match="cannot change"):  # evidence a payment relied on stays
        pathways.update_milestone(milestone, by=caseworker, evidence_note="Something else")


def test_tranches_never_exceed_the_grant(paying, caseworker):
    record, milestone, grant = paying
    pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("600"))
    with pytest.raises(ValidationError, match="exceed the grant: £400.00 is left"):
        pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("400.01"))
    assert pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("400")).pk


def test_release_guard_counts_what_is_already_paid(paying, caseworker):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    first = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("700"))
    second = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("300"))
    pathways.release_tranche(first, by=caseworker)
    Grant.objects.filter(pk=grant.pk).update(amount=Decimal("900"))  # set-up: the grant shrank
    with pytest.raises(
        TransitionNotAllowed,
        match="Release the payment cannot happen until the tranches paid would not exceed the grant",
    ):
        pathways.release_tranche(second, by=caseworker)


def test_only_the_team_releases_a_tranche(paying, caseworker, panel_member):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    tranche = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("100"))
    with pytest.raises(PermissionDenied):
        pathways.release_tranche(tranche, by=panel_member)


def test_grant_monitored_closed_and_exit_waits_for_grants(paying, caseworker):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    tranche = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("1000"))
    pathways.release_tranche(tranche, by=caseworker)
    grant = pathways.move_grant(Grant.objects.get(pk=grant.pk), "monitor", by=caseworker)
    with pytest.raises(
        TransitionNotAllowed,
        match="Close the grant cannot happen until the monitoring of how the grant was spent is recorded",
    ):
        pathways.move_grant(grant, "close", by=caseworker)
    pathways.record_monitoring(grant, by=caseworker, note="Spent on the system as agreed.")
    grant = pathways.move_grant(Grant.objects.get(pk=grant.pk), "close", by=caseworker)
    assert grant.state == Grant.State.CLOSED


def test_monitoring_waits_for_planned_tranches(paying, caseworker):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    paid = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("500"))
    pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("500"))
    pathways.release_tranche(paid, by=caseworker)
    with pytest.raises(
        TransitionNotAllowed,
        match="Payments done: start monitoring cannot happen until no tranche is waiting to be paid",
    ):
        pathways.move_grant(Grant.objects.get(pk=grant.pk), "monitor", by=caseworker)


def test_claw_back_is_the_panels_with_a_reason_and_an_amount(paying, caseworker, panel_member):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    pathways.release_tranche(pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=600), by=caseworker)
    grant = Grant.objects.get(pk=grant.pk)
    with pytest.raises(PermissionDenied):
        pathways.move_grant(grant, "claw_back", by=caseworker, reason="Misspent", clawback_amount=Decimal("600"))
    with pytest.raises(ValidationError, match="up to the £600.00 paid"):
        pathways.move_grant(grant, "claw_back", by=panel_member, reason="Misspent", clawback_amount=Decimal("601"))
    grant = pathways.move_grant(grant, "claw_back", by=panel_member, reason="Misspent", clawback_amount=Decimal("600"))
    assert (grant.state, grant.clawback_amount) == (Grant.State.CLAWED_BACK, Decimal("600"))


def test_exit_waits_for_every_grant_to_settle(paying, caseworker):
    record, _, grant = paying
    for name in ("implement", "review"):
        record = pathways.move_turnaround(record, name, by=caseworker)
    pathways.update_turnaround(
        record,
        by=caseworker,
        runway_weeks=13,
        reserves_months=3,
        reserves_policy_months=3,
        going_concern_reaffirmed_on=TODAY,
        filings_up_to_date=True,
    )
    record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "stabilise", by=caseworker)
    _refused(record, "exit", caseworker, "every grant is closed, refused, withdrawn or clawed back.")


# --- 360Giving -----------------------------------------------------------------------------------
def test_360giving_csv_columns_and_values(paying, caseworker, panel_member, settings, client_for):
    settings.LIFEBOAT_360G_PREFIX = "360G-hub"
    settings.LIFEBOAT_FUNDER_ORG_ID = "GB-CHC-1234567"
    settings.LIFEBOAT_FUNDER_NAME = "The Hub"
    settings.LIFEBOAT_GRANT_PROGRAMME = "Lifeboat small grants"
    record, milestone, grant = paying
    organisation = record.case.organisation
    organisation.charity_number = "1100001"
    organisation.save()
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    pathways.release_tranche(pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=250), by=caseworker)
    _grant(record, caseworker, "300")  # requested, not awarded: left out
    response = client_for(caseworker).get(reverse("casework:grant-export", args=[record.case.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == giving.COLUMNS
    assert {"Identifier", "Amount Awarded", "Recipient Org:Identifier", "Funding Org:Identifier"} <= set(rows[0])
    assert len(rows) == 1
    row = rows[0]
    assert row["Identifier"] == f"360G-hub-{grant.pk}"
    assert (row["Title"], row["Description"], row["Currency"]) == ("Finance system", "A finance system", "GBP")
    assert (row["Amount Awarded"], row["Amount Disbursed"], row["Award Date"]) == (
        "1000.00",
        "250.00",
        TODAY.isoformat(),
    )
    assert (row["Recipient Org:Identifier"], row["Recipient Org:Name"]) == ("GB-CHC-1100001", organisation.name)
    assert (row["Funding Org:Identifier"], row["Funding Org:Name"]) == ("GB-CHC-1234567", "The Hub")
    assert row["Grant Programme:Title"] == "Lifeboat small grants"
    assert row["Last Modified"].startswith(TODAY.isoformat()[:4])


def test_clawed_back_money_is_not_counted_as_disbursed(paying, caseworker, panel_member):
    record, milestone, grant = paying
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    pathways.release_tranche(pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=600), by=caseworker)
    pathways.move_grant(
        Grant.objects.get(pk=grant.pk), "claw_back", by=panel_member, reason="x", clawback_amount=Decimal("200")
    )
    row = giving.row(giving.awarded(Grant.objects.all()).get())
    assert row["Amount Disbursed"] == "400.00"


def test_all_grants_export_is_for_the_panel_and_administrators(
    paying, caseworker, panel_member, administrator, funder, outsider, client_for
):
    url = reverse("casework:grant-export-all")
    assert client_for(panel_member).get(url).status_code == 200
    assert client_for(administrator).get(url).status_code == 200
    for person in (caseworker, funder, outsider):
        assert client_for(person).get(url).status_code == 404


def test_spreadsheet_formulas_are_defused(approved, caseworker, panel_member):
    record, _ = approved
    grant = pathways.request_grant(record, by=caseworker, title="=HYPERLINK(1)", purpose="+x", amount=Decimal(1))
    pathways.approve_grant(grant, by=panel_member, declaration="none")
    text = giving.to_csv(giving.awarded(Grant.objects.all()))
    assert "'=HYPERLINK(1)" in text and "'+x" in text


# --- pages and confidentiality ---------------------------------------------------------------------
def test_turnaround_page_shows_stage_moves_and_blocked_guards(record, caseworker, client_for):
    page = client_for(caseworker).get(reverse("casework:turnaround", args=[record.case.pk])).content.decode()
    assert "Diagnosis" in page
    assert "Diagnosis done: draft the plan</strong> is not possible yet" in page
    assert "The causes of distress are recorded." in page


def test_turnaround_edit_form_saves_through_the_workflow(record, caseworker, client_for):
    url = reverse("casework:turnaround-edit", args=[record.case.pk])
    response = client_for(caseworker).post(url, {"causes_of_distress": "Lost contract", "solvency_retested_on": TODAY})
    assert response.status_code == 302
    record = Turnaround.objects.get(pk=record.pk)
    assert record.causes_of_distress == "Lost contract"
    assert record.history.first().history_user == caseworker


def test_the_panel_approves_a_grant_through_its_page(approved, caseworker, panel_member, client_for):
    record, _ = approved
    grant = _grant(record, caseworker)
    url = reverse("casework:grant-approve", args=[record.case.pk, grant.pk])
    assert client_for(caseworker).get(url).status_code == 403
    assert client_for(panel_member).post(url, {"declaration": "none"}).status_code == 302
    assert Grant.objects.get(pk=grant.pk).state == Grant.State.APPROVED


def test_pay_is_not_offered_as_a_button(paying, caseworker):
    _, _, grant = paying
    assert "pay" in {t.name for t in available_transitions(grant, caseworker)}
    from casework.pathway_views import _moves

    assert "pay" not in {m["t"].name for m in _moves(grant, caseworker, "casework:grant-move", 1, grant.pk)["moves"]}


def test_every_turnaround_url_is_404_for_outsiders_and_funders(
    caseworker, reviewer_org, outsider, funder, coordinator, client_for
):
    scene = scenes.pathway_scene(caseworker=caseworker, organisation=reviewer_org)
    case = scene["turnaround_case"]
    urls = [
        ("get", reverse("casework:turnaround", args=[case.pk])),
        ("get", reverse("casework:turnaround-edit", args=[case.pk])),
        ("post", reverse("casework:turnaround-move", args=[case.pk, "implement"])),
        ("get", reverse("casework:turnaround-evidence", args=[case.pk])),
        ("get", reverse("casework:milestone-add", args=[case.pk])),
        ("get", reverse("casework:milestone-edit", args=[case.pk, scene["milestone"].pk])),
        ("get", reverse("casework:grant-request", args=[case.pk])),
        ("get", reverse("casework:grant-approve", args=[case.pk, scene["grant_requested"].pk])),
        ("get", reverse("casework:grant-monitoring", args=[case.pk, scene["grant_approved"].pk])),
        ("post", reverse("casework:grant-move", args=[case.pk, scene["grant_requested"].pk, "refuse"])),
        ("get", reverse("casework:tranche-add", args=[case.pk, scene["grant_approved"].pk])),
        ("post", reverse("casework:tranche-release", args=[case.pk, scene["tranche"].pk])),
        ("get", reverse("casework:grant-export", args=[case.pk])),
        ("get", reverse("casework:grant-export-all")),
    ]
    other_worker = MembershipFactory(role="caseworker").person
    for person in (outsider, funder, coordinator, other_worker):
        client = client_for(person)
        for method, url in urls:
            response = getattr(client, method)(url)
            assert response.status_code == 404, (person, url)
            assert case.organisation.name not in response.content.decode()


def test_sub_objects_of_another_case_are_404(caseworker, panel_member, reviewed_org, client_for):
    scene = scenes.pathway_scene(caseworker=caseworker, organisation=reviewed_org)
    other = scenes.case_on_pathway(
        "turnaround", caseworker=caseworker, panel=panel_member, organisation=OrganisationFactory()
    )
    url = reverse("casework:milestone-edit", args=[other.case.pk, scene["milestone"].pk])
    assert client_for(caseworker).get(url).status_code == 404


def test_a_closed_case_is_read_only(approved, caseworker):
    record, milestone = approved
    Case.objects.filter(pk=record.case_id).update(state=Case.State.CLOSED)  # set-up only
    record = Turnaround.objects.get(pk=record.pk)
    with pytest.raises(ValidationError, match="read-only"):
        pathways.update_turnaround(record, by=caseworker, exit_note="x")
    with pytest.raises(ValidationError, match="read-only"):
        pathways.add_milestone(record, by=caseworker, title="x")


def test_settled_diagnosis_and_approval_date_stay(approved, caseworker):
    record, _ = approved
    with pytest.raises(ValidationError):
        pathways.update_turnaround(record, by=caseworker, causes_of_distress="Something new")
    with pytest.raises(ValidationError):
        pathways.update_turnaround(record, by=caseworker, board_approved_plan_on=TODAY - datetime.timedelta(days=1))
