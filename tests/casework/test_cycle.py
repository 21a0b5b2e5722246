"""A lifeboat case from referral to archived through the workflow, and its guards."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import workflow
from casework.models import Case, HealthCheck
from core.models import AuditEvent
from core.workflow import TransitionNotAllowed
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
HEALTH = {
    "annual_income": Decimal("200000"),
    "annual_expenditure": Decimal("240000"),
    "free_reserves": Decimal("30000"),
    "cash_at_bank": Decimal("25000"),
    "weekly_net_cash": [-3000] * 13,
    "largest_funder_percent": 60,
    "overdue_filings": False,
    "governance_concerns": False,
    "safeguarding_concerns": False,
    "finances_as_of": TODAY,
    "finances_source": "Management accounts, October",
    "forecast_as_of": TODAY,
    "forecast_source": "Treasurer's 13-week forecast",
    "governance_as_of": TODAY,
    "governance_source": "Call with the chair",
}


@pytest.fixture
def referral(caseworker, reviewed_org):
    return workflow.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="Cash is running out.")


@pytest.fixture
def triaged(referral, caseworker):
    case = workflow.open_case(referral, by=caseworker)
    workflow.record_screening(
        case,
        by=caseworker,
        identity_confirmed=True,
        conflict_note="",
        latest_accounts_on=TODAY - datetime.timedelta(days=200),
    )
    case = workflow.move_case(case, "screen", by=caseworker)
    case = workflow.move_case(case, "start_triage", by=caseworker)
    workflow.record_health_check(case, by=caseworker, **HEALTH)
    return workflow.submit_triage(Case.objects.get(pk=case.pk), by=caseworker)


def test_health_check_indicators_and_recommendation():
    check = HealthCheck(**HEALTH)
    assert check.reserves_months == Decimal("1.5")  # 30,000 / (240,000 / 12)
    assert check.runway_weeks == 8  # 25,000 less 3,000 a week goes below zero in week 9
    risk, pathway, reasons = check.assess()
    assert (risk, pathway) == ("amber", "turnaround")
    assert "Cash runway is 8 weeks (under 13)." in reasons and "One funder provides 60% of income." in reasons
    broke = HealthCheck(**{**HEALTH, "cash_at_bank": Decimal("-100")})
    assert broke.runway_weeks == 0 and broke.assess()[:2] == ("red", "closure")


def test_case_from_referral_to_archived(triaged, caseworker, panel_member, administrator):
    case = triaged
    assert (case.state, case.triaged_by) == ("awaiting_decision", caseworker)
    with pytest.raises(PermissionDenied):  # four eyes: the triager never decides
        workflow.choose_pathway(
            case, by=caseworker, pathway="turnaround", board_consent_on=TODAY, board_consent_note="Minutes"
        )
    with pytest.raises(ValidationError, match="recommends turnaround"):
        workflow.choose_pathway(
            case,
            by=panel_member,
            pathway="closure",
            board_consent_on=TODAY,
            board_consent_note="Board resolution of 3 November",
        )
    workflow.choose_pathway(
        case,
        by=panel_member,
        pathway="turnaround",
        board_consent_on=TODAY,
        board_consent_note="Board resolution of 3 November",
    )
    case = workflow.approve_case(Case.objects.get(pk=case.pk), by=panel_member)
    assert (case.state, case.decided_by, case.pathway) == ("active", panel_member, "turnaround")

    with pytest.raises(ValidationError, match="reason"):
        workflow.change_pathway(case, by=panel_member, pathway="closure", reason="")
    case = workflow.change_pathway(case, by=panel_member, pathway="closure", reason="Turnaround failed: no funder.")
    assert list(case.pathway_changes.values_list("from_pathway", "to_pathway")) == [
        ("", "turnaround"),
        ("turnaround", "closure"),
    ]
    with pytest.raises(TransitionNotAllowed, match="outcome is recorded"):
        workflow.move_case(case, "propose_closure", by=caseworker)
    workflow.record_outcome(case, by=caseworker, outcome="closed_orderly", note="Services went to two CVSs.")
    with pytest.raises(TransitionNotAllowed, match="pathway has reached its exit"):
        workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
    scenes.closure_dissolved(
        case.closure,
        caseworker=caseworker,
        panel_member=panel_member,
        destination=OrganisationFactory(),
        funder=OrganisationFactory(),
    )
    case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
    with pytest.raises(PermissionDenied):  # the owner never approves their own closure
        workflow.move_case(case, "close", by=caseworker)
    case = workflow.move_case(case, "close", by=panel_member)
    assert case.is_read_only
    with pytest.raises(ValidationError, match="read-only"):
        workflow.add_note(case, by=caseworker, text="One more thing")
    with pytest.raises(ValidationError):
        workflow.move_case(case, "reopen", by=administrator)  # reason required
    case = workflow.move_case(case, "reopen", by=administrator, reason="A creditor came forward.")
    workflow.record_outcome(case, by=caseworker, outcome="closed_orderly", note="Creditor settled.")
    case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
    case = workflow.move_case(case, "close", by=panel_member)
    case = workflow.move_case(case, "start_follow_up", by=caseworker)
    case = workflow.move_case(case, "archive", by=caseworker)
    assert case.state == "archived"
    moves = list(
        AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk))
        .exclude(source_state="")
        .values_list("action", "role")
    )
    assert ("approve", "panel_member") in moves and ("close", "panel_member") in moves
    assert ("reopen", "administrator") in moves


def test_decline_needs_signposting_and_a_reason(referral, caseworker):
    case = workflow.open_case(referral, by=caseworker)
    with pytest.raises(ValidationError, match="signposting|where else"):
        workflow.move_case(case, "decline", by=caseworker, reason="Out of scope", signposting="")
    case = workflow.move_case(
        case, "decline", by=caseworker, reason="Out of scope", signposting="The local CVS's funding advice service."
    )
    assert (case.state, case.signposting) == ("declined", "The local CVS's funding advice service.")


def test_screening_guards(referral, caseworker):
    case = workflow.open_case(referral, by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="register numbers"):
        workflow.move_case(case, "screen", by=caseworker)
    workflow.record_screening(
        case,
        by=caseworker,
        identity_confirmed=True,
        conflict_note="",
        latest_accounts_on=TODAY - datetime.timedelta(days=900),
    )
    case = workflow.move_case(Case.objects.get(pk=case.pk), "screen", by=caseworker)
    with pytest.raises(TransitionNotAllowed, match="not overdue for filing or the delay is explained"):
        workflow.move_case(case, "start_triage", by=caseworker)


def test_health_check_needs_thirteen_weeks_and_changes_nothing_otherwise(referral, caseworker):
    case = workflow.open_case(referral, by=caseworker)
    workflow.record_screening(case, by=caseworker, identity_confirmed=True, conflict_note="", latest_accounts_on=TODAY)
    case = workflow.move_case(workflow.move_case(case, "screen", by=caseworker), "start_triage", by=caseworker)
    with pytest.raises(ValidationError, match="13 weeks"):
        workflow.record_health_check(case, by=caseworker, **{**HEALTH, "weekly_net_cash": [1, 2]})
    assert not HealthCheck.objects.exists()


def test_a_panel_member_on_the_team_cannot_decide(referral, caseworker, panel_member):
    MembershipFactory(person=caseworker, role="panel_member")
    case = workflow.open_case(referral, by=caseworker, team=[panel_member])
    assert not panel_member.has_perm("casework.decide_case", case)
