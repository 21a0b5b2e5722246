"""Issue 15, the lifeboat half: each bypass the issue found is tried through the workflow
operation and through the page or the API, and must be refused with a plain message.

- a case whose current pathway still owes something cannot be proposed for closing or closed,
  whatever its outcome; a disengaged organisation's case closes only with what is left on record;
- the outcome must fit the pathway;
- grants: the approve button reaches its form, withdrawal, the ceiling, the running total;
- register items: the (recipient, funder) pair, agreed items that change, the proposer never
  reviews, no self-recipient, completions not before they take effect;
- approval binds: milestones after the plan's approval, placement terms once in post;
- dates: nothing "as of", evidenced or reviewed in the future;
- audit events say what changed, old and new, in words.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import pathways
from casework import workflow as cw
from casework.models import Case, Closure, Grant, Interim, RegisterItem, Turnaround
from core import audit, words
from core.models import AuditEvent
from core.workflow import TransitionNotAllowed, available_transitions
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.fixture
def api_client_for():
    """An API client acting as `person` through a personal token."""
    from rest_framework.test import APIClient

    from api import tokens

    def make(person):
        client = APIClient()
        _, secret = tokens.create_token(person, name="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


def _force_state(obj, state):
    """Put a record in `state` without walking its machine (protected FSM fields refuse assignment)."""
    type(obj).objects.filter(pk=obj.pk).update(state=state)  # test set-up only; never in product code
    return _fresh(obj)


# --- 1. closing a case -----------------------------------------------------------------------------
@pytest.fixture
def winding_down(caseworker, panel_member, reviewed_org):
    """A closure winding down with a register item still open (staff on the register)."""
    scene = scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)
    return scene["closing_case"], scene["closure"]


def test_a_disengaged_outcome_no_longer_unlocks_closing_with_open_registers(winding_down, caseworker, panel_member):
    case, closure = winding_down
    assert closure.outstanding()
    # Without saying what is left and why, the outcome itself is refused, naming what is open.
    with pytest.raises(ValidationError) as refusal:
        cw.record_outcome(case, by=caseworker, outcome="disengaged", note="They stopped answering.")
    assert "1 register item without a completed destination" in str(refusal.value)
    # Recorded without the note by the back door (the shell): the guard still refuses.
    case.outcome, case.outcome_note = "disengaged", "They stopped answering."
    case.save()
    with pytest.raises(TransitionNotAllowed) as refusal:
        cw.perform(_fresh(case), "propose_closure", by=caseworker)
    assert "what is left and why is recorded" in str(refusal.value)
    assert _fresh(case).state == Case.State.ACTIVE


def test_a_disengaged_case_closes_only_with_what_is_left_approved_by_the_panel(winding_down, caseworker, panel_member):
    case, _closure = winding_down
    case = cw.record_outcome(
        case,
        by=caseworker,
        outcome="disengaged",
        note="They stopped answering.",
        unresolved_note="The lunch club has no new home; the trustees stopped replying.",
    )
    case = cw.perform(_fresh(case), "propose_closure", by=caseworker)
    assert case.state == Case.State.CLOSING_REVIEW
    names = {t.name for t in available_transitions(case, panel_member)}
    assert "close_leaving_unresolved" in names
    # The plain "Close the case" is not offered and is refused: obligations are open.
    assert "close" not in names
    with pytest.raises(
        TransitionNotAllowed,
        match="Close the case cannot happen until nothing on the current pathway is left unresolved",
    ):
        cw.perform(case, "close", by=panel_member)
    # The team never closes its own case; the panel must give a reason.
    with pytest.raises(PermissionDenied):
        cw.perform(case, "close_leaving_unresolved", by=caseworker, reason="ok")
    with pytest.raises(ValidationError):
        cw.perform(case, "close_leaving_unresolved", by=panel_member)
    case = cw.perform(case, "close_leaving_unresolved", by=panel_member, reason="Nothing more we can do.")
    assert case.state == Case.State.CLOSED
    assert (
        case.unresolved_at_closure
        == "1 register item without a completed destination or an approved reason (services 1)"
    )
    event = audit.events_for(case).last()
    assert (event.action, event.reason) == ("close_leaving_unresolved", "Nothing more we can do.")
    assert event.payload["changes"]["unresolved_at_closure"] == ["", case.unresolved_at_closure]


def test_closing_through_the_api_is_refused_with_the_guard(winding_down, caseworker, api_client_for):
    case, _closure = winding_down
    case.outcome, case.outcome_note = "disengaged", "Gone quiet."
    case.save()
    response = api_client_for(caseworker).post(
        f"/api/v1/cases/{case.pk}/transitions/propose_closure/", {}, format="json"
    )
    assert response.status_code == 409
    assert _fresh(case).state == Case.State.ACTIVE


def test_unsettled_grants_and_an_interim_in_post_are_obligations(caseworker, panel_member, reviewed_org):
    record, _ = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    grant = pathways.request_grant(record, by=caseworker, title="Till", purpose="A till", amount=Decimal("4500"))
    pathways.approve_grant(grant, by=panel_member, declaration="none")
    assert record.case.unresolved_obligations() == ["The grant “Till” (£4,500.00) is approved, not settled"]
    assert not record.case.obligations_settled()
    interim = Interim(state=Interim.State.IN_POST)
    assert interim.open_obligations() == ["The interim manager is still in post (in post)"]
    assert Interim(state=Interim.State.ENDED).open_obligations() == []


def test_the_outcome_must_fit_the_pathway(caseworker, panel_member, reviewed_org, client_for):
    record = scenes.case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    case = record.case
    with pytest.raises(ValidationError, match="does not fit a case on turnaround"):
        cw.record_outcome(case, by=caseworker, outcome="closed_orderly", note="Closed.")
    url = reverse("casework:case-outcome", args=[case.pk])
    response = client_for(caseworker).post(url, {"outcome": "closed_orderly", "note": "Closed."})
    assert response.status_code == 200  # the form again, with the refusal
    assert _fresh(case).outcome == ""
    # The page offers only the outcomes that fit.
    page = client_for(caseworker).get(url).content.decode()
    assert 'value="closed_orderly"' not in page and 'value="stabilised"' in page


def test_the_outcome_proposed_for_closing_is_the_one_the_panel_closes_on(caseworker, panel_member, reviewed_org):
    # Found by tests/casework/test_case_machine.py: a case proposed for closing as disengaged
    # (which lets a pathway close before its exit) had its outcome changed to "stabilised" while
    # the panel reviewed it, and the panel then closed a turnaround that never reached its exit.
    record = scenes.case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    case = cw.record_outcome(record.case, by=caseworker, outcome="disengaged", note="The trustees stopped replying.")
    case = cw.perform(case, "propose_closure", by=caseworker)
    with pytest.raises(ValidationError, match="The panel is reviewing the proposed closure"):
        cw.record_outcome(_fresh(case), by=caseworker, outcome="stabilised", note="Stable now.")
    assert _fresh(case).outcome == "disengaged"
    # Sent back, the team may change the outcome; proposing again needs the pathway's exit.
    case = cw.perform(_fresh(case), "reject_closure", by=panel_member, reason="Check the outcome.")
    case = cw.record_outcome(case, by=caseworker, outcome="stabilised", note="Stable now.")
    with pytest.raises(TransitionNotAllowed, match="pathway has reached its exit"):
        cw.perform(case, "propose_closure", by=caseworker)


# --- 2. grants ---------------------------------------------------------------------------------------
@pytest.fixture
def approved(caseworker, panel_member, reviewed_org):
    return scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)


def _grant(record, by, amount="1000", title="Finance system"):
    return pathways.request_grant(record, by=by, title=title, purpose="A finance system", amount=Decimal(amount))


def test_the_approve_grant_button_opens_the_approval_form_and_approves(approved, caseworker, panel_member, client_for):
    record, _ = approved
    grant = _grant(record, caseworker, "6000")
    panel = client_for(panel_member)
    page = panel.get(reverse("casework:turnaround", args=[record.case.pk])).content.decode()
    approve_url = reverse("casework:grant-approve", args=[record.case.pk, grant.pk])
    # The button is a link to the approval form, never a post to the generic move address.
    assert (
        f'href="{approve_url}">Approve the grant<span class="govuk-visually-hidden"> Finance system</span></a>' in page
    )
    assert reverse("casework:grant-move", args=[record.case.pk, grant.pk, "approve"]) not in page
    form = panel.get(approve_url)
    assert form.status_code == 200 and "£6,000.00" in form.content.decode()
    assert panel.post(approve_url, {"declaration": "none"}).status_code == 302
    assert _fresh(grant).state == Grant.State.APPROVED


def test_an_approved_unpaid_grant_is_withdrawn_with_a_reason(approved, caseworker, panel_member, client_for):
    record, _ = approved
    grant = pathways.approve_grant(_grant(record, caseworker), by=panel_member, declaration="none")
    with pytest.raises(ValidationError):
        pathways.move_grant(grant, "withdraw", by=caseworker)
    url = reverse("casework:grant-move", args=[record.case.pk, grant.pk, "withdraw"])
    client_for(caseworker).post(url, {"reason": "The council funded the system instead."})
    grant = _fresh(grant)
    assert grant.state == Grant.State.WITHDRAWN
    event = audit.events_for(grant).last()
    assert (event.action, event.reason) == ("withdraw", "The council funded the system instead.")
    assert record.grants_settled()


def test_a_grant_with_a_paid_tranche_is_not_withdrawn(approved, caseworker, panel_member):
    record, milestone = approved
    grant = pathways.approve_grant(_grant(record, caseworker), by=panel_member, declaration="none")
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    tranche = pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("400"))
    pathways.release_tranche(tranche, by=caseworker)
    with pytest.raises(TransitionNotAllowed):
        pathways.move_grant(_fresh(grant), "withdraw", by=caseworker, reason="Not needed")
    pay = audit.events_for(grant).filter(action="pay").last()
    assert pay.reason == f"Tranche of £400.00 paid on {words.date(TODAY)}; £400.00 of £1,000.00 paid so far."


def test_the_grant_ceiling_refuses_a_large_small_grant(approved, caseworker, settings, api_client_for):
    settings.LIFEBOAT_GRANT_CEILING = 25000
    record, _ = approved
    with pytest.raises(ValidationError, match="at most £25,000.00"):
        _grant(record, caseworker, "250000")
    response = api_client_for(caseworker).post(
        f"/api/v1/turnarounds/{record.pk}/grants/",
        {"title": "Big", "purpose": "Everything", "amount": "250000.00"},
        format="json",
    )
    assert response.status_code == 400
    assert "£25,000.00" in response.content.decode()
    assert not Grant.objects.filter(turnaround=record).exists()


def test_the_running_total_per_organisation_decides_whether_the_panel_approves(
    approved, caseworker, panel_member, hub, settings
):
    from tests.factories import MembershipFactory

    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 5000
    record, _ = approved
    colleague = MembershipFactory(role="caseworker", organisation=hub).person
    record.case.team.add(colleague)
    first = _grant(record, caseworker, "3000", "First")
    assert colleague.has_perm("casework.approve_grant", first)
    pathways.approve_grant(first, by=colleague, declaration="none")
    second = _grant(record, caseworker, "3000", "Second")  # £6,000 for the organisation
    assert second.running_total == Decimal("6000")
    assert not colleague.has_perm("casework.approve_grant", second)
    with pytest.raises(PermissionDenied):
        pathways.approve_grant(second, by=colleague, declaration="none")
    pathways.move_grant(_fresh(first), "withdraw", by=caseworker, reason="Not needed")
    assert colleague.has_perm("casework.approve_grant", _fresh(second))  # withdrawn grants do not count


# --- 3. register items -------------------------------------------------------------------------------
@pytest.fixture
def planning(caseworker, panel_member, reviewed_org):
    scene = scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)
    return scene["closure"]


def _restricted(closure, by, recipient, funder):
    return cw.save_item(
        closure,
        by=by,
        register="fund",
        kind="restricted",
        name="Youth fund balance",
        value=Decimal("4000"),
        outcome="transferred",
        destination=recipient,
        funder=funder,
        funder_consent="Letter of 3 March",
        owner=by,
        due_on=TODAY,
    )


def test_changing_the_recipient_voids_the_review_and_consent_on_the_record(planning, caseworker, panel_member):
    first, other, funder = OrganisationFactory(), OrganisationFactory(), OrganisationFactory(kind="funder")
    item = _restricted(planning, caseworker, first, funder)
    cw.mark_compatible(item, by=panel_member, note="Same youth purposes")
    item = cw.save_item(
        planning, by=caseworker, item=_fresh(item), destination=other, funder_consent="Letter of 3 March"
    )
    item = _fresh(item)
    assert (item.compatibility_reviewed_by, item.compatibility_note, item.funder_consent) == (None, "", "")
    event = audit.events_for(item).last()
    assert event.reason == "Void for the new recipient or funder: the compatibility review and the funder's consent."
    lines = words.describe_event(event)
    assert f"Destination: {first} → {other}" in lines
    assert "Compatibility note: Same youth purposes → nothing" in lines
    assert "A named reviewer must mark the recipient's purposes compatible with the fund's." in item.problems()


def test_the_proposer_never_records_the_compatibility_review(planning, caseworker, panel_member, client_for):
    item = _restricted(planning, caseworker, OrganisationFactory(), OrganisationFactory(kind="funder"))
    with pytest.raises(ValidationError, match="You proposed this recipient"):
        cw.mark_compatible(item, by=caseworker, note="Compatible")
    url = reverse("casework:item-compatible", args=[item.pk])
    response = client_for(caseworker).post(url, {"note": "Compatible"})
    assert response.status_code == 200
    assert _fresh(item).compatibility_reviewed_by is None


def test_changing_an_agreed_items_destination_returns_it_to_proposed(planning, caseworker):
    destination = OrganisationFactory()
    item = cw.save_item(
        planning,
        by=caseworker,
        register="asset",
        kind="equipment",
        name="Laptops",
        outcome="transferred",
        destination=destination,
        destination_note="Accepted",
        owner=caseworker,
        due_on=TODAY,
    )
    item = cw.move_item(item, "agree", by=caseworker)
    # A completion date alone does not reopen it.
    item = cw.save_item(planning, by=caseworker, item=_fresh(item), completed_on=TODAY)
    assert item.state == RegisterItem.State.AGREED
    item = cw.save_item(planning, by=caseworker, item=_fresh(item), destination=OrganisationFactory())
    assert _fresh(item).state == RegisterItem.State.PROPOSED
    revise = audit.events_for(item).last()
    assert (revise.action, revise.source_state, revise.target_state) == ("revise", "agreed", "proposed")
    with pytest.raises(ValidationError):
        cw.move_item(_fresh(item), "revise", by=caseworker)


def test_the_closing_organisation_never_receives_its_own_assets(planning, caseworker, client_for):
    with pytest.raises(ValidationError, match="cannot receive its own"):
        cw.save_item(
            planning,
            by=caseworker,
            register="service",
            kind="service",
            name="Advice",
            outcome="transferred",
            destination=planning.case.organisation,
        )
    response = client_for(caseworker).post(
        reverse("casework:item-new", args=[planning.case_id, "service"]),
        {
            "kind": "service",
            "name": "Advice",
            "owner": caseworker.pk,
            "due_on": TODAY.isoformat(),
            "outcome": "transferred",
            "destination": planning.case.organisation_id,
            "go_live_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "cannot receive its own services or assets" in response.content.decode()
    assert not RegisterItem.objects.filter(name="Advice").exists()


def test_a_completion_is_never_before_it_takes_effect_nor_in_the_future(planning, caseworker):
    common = {"register": "service", "kind": "service", "name": "Advice", "outcome": "transferred"}
    with pytest.raises(ValidationError, match="before the date the new provider takes the service on"):
        cw.save_item(
            planning,
            by=caseworker,
            destination=OrganisationFactory(),
            go_live_on=TODAY,
            completed_on=TODAY - datetime.timedelta(days=3),
            **common,
        )
    with pytest.raises(ValidationError, match="in the future"):
        cw.save_item(planning, by=caseworker, destination=OrganisationFactory(), completed_on=TOMORROW, **common)


# --- 4. approval binds -----------------------------------------------------------------------------
def test_changing_an_approved_milestone_sends_the_plan_back_to_the_panel(approved, caseworker, client_for):
    record, milestone = approved
    assert record.state == Turnaround.State.PLAN_APPROVED
    url = reverse("casework:milestone-edit", args=[record.case.pk, milestone.pk])
    later = milestone.due_on + datetime.timedelta(days=90)
    client_for(caseworker).post(
        url, {"title": milestone.title, "measure": "A promise", "owner_name": "The chair", "due_on": later.isoformat()}
    )
    record = _fresh(record)
    assert (record.state, record.plan_approved_by) == (Turnaround.State.PLAN_DRAFTED, None)
    event = audit.events_for(record).last()
    assert event.action == "resubmit_plan"
    assert "milestone “New funder secured” changed" in event.reason
    change = audit.events_for(milestone).last()
    assert "Measure: Signed grant letter → A promise" in words.describe_event(change)


def test_evidence_on_an_approved_milestone_does_not_reopen_the_plan(approved, caseworker):
    record, milestone = approved
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    assert _fresh(record).state == Turnaround.State.PLAN_APPROVED


def test_placement_terms_are_fixed_once_the_interim_is_in_post(caseworker, panel_member, reviewed_org):
    record = scenes.case_on_pathway("interim", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    pathways.update_interim(record, by=caseworker, start_on=TODAY, day_rate=Decimal("450"))
    interim = _force_state(record, Interim.State.IN_POST)
    with pytest.raises(ValidationError, match="placement's terms are fixed"):
        pathways.update_interim(interim, by=caseworker, start_on=TODAY - datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="The brief is agreed"):
        pathways.update_interim(interim, by=caseworker, day_rate=Decimal("900"))


# --- 5. dates -----------------------------------------------------------------------------------------
def test_no_future_figures_evidence_or_reviews(approved, caseworker, client_for):
    record, milestone = approved
    with pytest.raises(ValidationError, match="in the future"):
        pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TOMORROW)
    with pytest.raises(ValidationError, match="in the future"):
        pathways.update_turnaround(record, by=caseworker, going_concern_reaffirmed_on=TOMORROW)
    with pytest.raises(ValidationError, match="in the future"):
        cw.add_document(
            record.case, by=caseworker, slot="cash_forecast", title="F", dated_on=TOMORROW, upload=scenes.pdf_upload()
        )
    assert _fresh(milestone).evidence_on is None


def test_the_health_check_refuses_future_figures(caseworker, reviewed_org):
    from casework.models import HealthCheck

    for name in ("finances_as_of", "forecast_as_of", "governance_as_of"):
        check = HealthCheck(**{name: TOMORROW})
        with pytest.raises(ValidationError) as refusal:
            check.clean_fields(exclude=[f.name for f in HealthCheck._meta.fields if f.name != name])
        assert "in the future" in str(refusal.value)


def test_redating_last_trading_is_on_the_record(planning, caseworker, panel_member, client_for):
    closure = _force_state(planning, Closure.State.WINDING_DOWN)  # filing facts are recorded from winding down
    cw.update_closure(closure, by=caseworker, part="filing", last_trading_on=TODAY - datetime.timedelta(days=10))
    cw.update_closure(closure, by=caseworker, part="filing", last_trading_on=TODAY - datetime.timedelta(days=120))
    event = audit.events_for(closure).filter(action="update_closure").last()
    assert event.reason.startswith("Changed after it was first recorded: last trading on")
    old, new = TODAY - datetime.timedelta(days=10), TODAY - datetime.timedelta(days=120)
    assert words.describe_event(event) == [f"Last trading on: {words.date(old)} → {words.date(new)}"]
    # Shown where the panel approves the closure's moves.
    page = client_for(panel_member).get(reverse("casework:closure", args=[closure.case.pk])).content.decode()
    assert "Dates changed after they were first recorded" in page
    assert f"Last trading on: {words.date(old)} → {words.date(new)}" in page


def test_award_expiry_on_29_february():
    from core.dates import years_after

    assert years_after(datetime.date(2028, 2, 29), 3) == datetime.date(2031, 2, 28)
    assert years_after(datetime.date(2028, 2, 29), 4) == datetime.date(2032, 2, 29)
    assert years_after(datetime.date(2027, 3, 1), -3) == datetime.date(2024, 3, 1)


# --- 6. audit in words --------------------------------------------------------------------------------
def test_money_and_changes_in_words():
    assert words.money(Decimal("4500")) == "£4,500.00"
    assert words.money("-20") == "\u2212£20.00"
    assert words.describe_changes(Grant, {"amount": ["4500.00", "5000.00"], "state": ["approved", "withdrawn"]}) == [
        "Amount: £4,500.00 → £5,000.00",
        "State: Approved → Withdrawn before payment",
    ]


def test_timeline_csv_and_pdf_say_what_changed(approved, caseworker, panel_member, client_for):
    record, milestone = approved
    pathways.update_milestone(milestone, by=caseworker, measure="Two signed letters")
    client = client_for(caseworker)
    timeline = client.get(reverse("casework:case-timeline", args=[record.case.pk])).content.decode()
    assert "Measure: Signed grant letter → Two signed letters" in timeline
    assert "Plan approved → Plan drafted" in timeline  # states by their labels, not codes
    csv_text = client.get(reverse("casework:decision-log-csv", args=[record.case.pk])).content.decode()
    assert "What changed" in csv_text.splitlines()[0]
    assert "Measure: Signed grant letter → Two signed letters" in csv_text
    assert "plan_drafted" not in csv_text


def test_every_update_event_carries_old_and_new_values(approved, caseworker):
    record, _ = approved
    pathways.update_turnaround(record, by=caseworker, expert_help="A finance consultant, 10 days")
    event = AuditEvent.objects.filter(object_type="casework.turnaround", action="update").last()
    assert event.payload["changes"] == {"expert_help": ["none", "A finance consultant, 10 days"]}


# --- the case page's own move inputs ------------------------------------------------------------------
def test_on_hold_until_is_set_on_the_page_and_a_bad_date_changes_nothing(
    caseworker, panel_member, reviewed_org, client_for
):
    case = scenes.case_on_pathway(
        "turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org
    ).case
    client = client_for(caseworker)
    page = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    for value, label in Case.Escalation.choices:  # the kinds come from the model, not typed out again
        assert f'<option value="{value}">{label}</option>' in page
    url = reverse("casework:case-move", args=[case.pk, "hold"])
    client.post(url, {"reason": "Trustees' away day", "until": "next week"})
    assert _fresh(case).state == Case.State.ACTIVE
    until = TODAY + datetime.timedelta(days=30)
    client.post(url, {"reason": "Trustees' away day", "until": until.isoformat()})
    case = _fresh(case)
    assert (case.state, case.held_until) == (Case.State.ON_HOLD, until)
