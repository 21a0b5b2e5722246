"""Solvency re-tested at any stage of a closure, and what the insolvent route records and warns about."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Closure, RegisterItem
from core.workflow import TransitionNotAllowed
from organisations.models import Organisation
from tests import scenes

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
FAILED_ON = datetime.date(2026, 6, 30)


@pytest.fixture
def planning(caseworker, panel_member, reviewed_org):
    scene = scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)
    return Closure.objects.get(pk=scene["closure"].pk)


def test_the_insolvent_route_is_open_from_every_stage_before_dissolution():
    sources = {
        t.source for t in Closure._meta.get_field("state").get_all_transitions(Closure) if t.name == "go_insolvent"
    }
    assert sources == set(Closure.BEFORE_DISSOLUTION)


def test_a_failed_retest_while_planning_blocks_the_plan_and_opens_the_insolvent_route(
    planning, caseworker, panel_member
):
    workflow.update_closure(planning, by=caseworker, part="solvency", cash_flow_solvent=False, solvency_tested_on=TODAY)
    closure = Closure.objects.get(pk=planning.pk)
    with pytest.raises(
        TransitionNotAllowed,
        match="Approve the plan and start winding down cannot happen until no solvency test has failed",
    ):
        workflow.move_closure(closure, "wind_down", by=panel_member)
    closure = workflow.move_closure(
        closure, "go_insolvent", by=caseworker, reason="Pension exit debt", practitioner="A. Smith, Smith & Co"
    )
    assert closure.state == "insolvent_route"
    assert closure.legal_flags() == [
        "Record the insolvency procedure, the practitioner, their licence number and the date of appointment."
    ]
    closure = workflow.update_closure(
        closure,
        by=caseworker,
        part="insolvency",
        insolvency_procedure="cvl",
        practitioner_licence="IP 12345",
        practitioner_appointed_on=TODAY,
    )
    assert closure.legal_flags() == []


def test_the_retest_page_records_the_failure(planning, caseworker, client_for):
    url = reverse("casework:closure-facts", args=[planning.case_id, "solvency"])
    client = client_for(caseworker)
    assert client.get(url).status_code == 200
    data = {"balance_sheet_solvent": "false", "cash_flow_solvent": "true", "solvency_tested_on": TODAY.isoformat()}
    assert client.post(url, data).status_code == 302
    closure = Closure.objects.get(pk=planning.pk)
    assert (closure.balance_sheet_solvent, closure.cash_flow_solvent, closure.solvency_tested_on) == (
        False,
        True,
        TODAY,
    )
    assert closure.has_solvency_failure() and not closure.solvency_holds()
    page = client.get(reverse("casework:closure", args=[planning.case_id])).content.decode()
    assert "Move to the insolvent route" in page


def test_an_unincorporated_body_records_the_trustees_exposure_and_advice(caseworker, panel_member, reviewed_org):
    reviewed_org.legal_form = Organisation.LegalForm.UNINCORPORATED
    reviewed_org.charity_number = ""
    reviewed_org.save()
    closure = _insolvent(caseworker, panel_member, reviewed_org)
    assert closure.legal_flags() == [
        "An unincorporated body has no insolvency procedure of its own: record the trustees' personal exposure and "
        "when they took advice."
    ]
    RegisterItem.objects.create(
        closure=closure, register="asset", kind="vehicle", name="Van", outcome="transferred", completed_on=FAILED_ON
    )
    closure = workflow.update_closure(
        closure,
        by=caseworker,
        part="insolvency",
        insolvency_procedure="unincorporated",
        trustees_exposure="About £8,000 of unpaid rent falls on the trustees personally.",
        advice_taken_on=TODAY,
    )
    assert closure.legal_flags() == []  # no s.238 warning: there is no liquidator to challenge it


def _insolvent(caseworker, panel_member, organisation):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=organisation)
    workflow.update_closure(
        closure,
        by=caseworker,
        part="decision",
        balance_sheet_solvent=False,
        cash_flow_solvent=False,
        solvency_tested_on=FAILED_ON,
    )
    return workflow.move_closure(
        closure, "go_insolvent", by=caseworker, reason="Debts exceed assets", practitioner="B. Jones"
    )


@pytest.mark.parametrize(
    "register, kind, outcome, months_before, extra_day, flagged",
    [
        ("asset", "property", "transferred", 24, 0, True),  # the first day of the 2-year period
        ("asset", "property", "transferred", 24, -1, False),
        ("fund", "unrestricted", "transferred", 12, 0, True),
        ("asset", "vehicle", "sold", 1, 0, False),  # a sale is not given away
        ("creditor", "creditor", "paid", 6, 0, True),  # 6 months for an unconnected creditor
        ("creditor", "creditor", "paid", 6, -1, False),
    ],
)
def test_transfers_at_an_undervalue_and_preferences_in_the_relevant_period_are_flagged(
    caseworker, panel_member, reviewed_org, register, kind, outcome, months_before, extra_day, flagged
):
    closure = _insolvent(caseworker, panel_member, reviewed_org)
    done = FAILED_ON - relativedelta(months=months_before) + extra_day * DAY
    RegisterItem.objects.create(
        closure=closure, register=register, kind=kind, name="The item", outcome=outcome, completed_on=done
    )
    closure = workflow.update_closure(
        Closure.objects.get(pk=closure.pk),
        by=caseworker,
        part="insolvency",
        insolvency_procedure="cvl",
        practitioner_licence="IP 1",
        practitioner_appointed_on=TODAY,
    )
    flags = closure.legal_flags()
    assert len(flags) == (1 if flagged else 0)
    if flagged:
        assert "Insolvency Act 1986" in flags[0] and f"{done:%-d %B %Y}" in flags[0]
