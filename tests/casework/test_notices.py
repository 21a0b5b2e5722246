"""Whoever must act next in the lifeboat is told (issue 19): caseworkers of a new referral, the
people who may decide of whatever waits for them, the case team of a decision. Four eyes hold in
the mail too, subjects never name the organisation, and an undone change sends nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from casework import pathways
from casework import workflow as cw
from casework.models import Case
from organisations.models import Membership
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def second_panel_member(hub):
    person = UserFactory(full_name="Pat Second Panel")
    MembershipFactory(person=person, organisation=hub, role=Membership.Role.PANEL_MEMBER)
    return person


@pytest.fixture
def second_caseworker(hub):
    person = UserFactory(full_name="Cai Second Caseworker")
    MembershipFactory(person=person, organisation=hub, role=Membership.Role.CASEWORKER)
    return person


def _sent(capture, action):
    mail.outbox.clear()
    with capture(execute=True):
        result = action()
    return result, list(mail.outbox)


def _to(messages, subject: str) -> set[str]:
    return {address for m in messages if m.subject == subject for address in m.to}


def test_a_referral_tells_the_caseworkers_but_not_its_referrer(
    caseworker, second_caseworker, reviewed_org, django_capture_on_commit_callbacks
):
    _, messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: cw.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="Cash is short."),
    )
    assert _to(messages, "A new lifeboat referral is waiting") == {second_caseworker.email}
    assert reviewed_org.name in messages[0].body and reviewed_org.name not in messages[0].subject
    assert "text/html" in [kind for _, kind in messages[0].alternatives]


def test_a_case_sent_to_the_panel_tells_the_panel_not_the_triager(
    caseworker, panel_member, second_panel_member, reviewed_org, django_capture_on_commit_callbacks
):
    scene, messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org),
    )
    waiting = [m for m in messages if m.subject == "A lifeboat decision is waiting for you"]
    assert {a for m in waiting for a in m.to} == {panel_member.email, second_panel_member.email}
    assert caseworker.email not in {a for m in waiting for a in m.to}
    assert f"The case for {reviewed_org.name} is waiting for you to approve" in waiting[0].body
    assert scene["case"].get_absolute_url() in waiting[0].body


def test_the_panels_decision_tells_the_case_team_not_the_decider(
    caseworker, panel_member, reviewed_org, django_capture_on_commit_callbacks
):
    case = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    cw.choose_pathway(
        case,
        by=panel_member,
        pathway="turnaround",
        reason="Viable with help.",
        board_consent_on=timezone.localdate(),
        board_consent_note="Minutes.",
    )
    _, messages = _sent(
        django_capture_on_commit_callbacks, lambda: cw.approve_case(Case.objects.get(pk=case.pk), by=panel_member)
    )
    decided = [m for m in messages if m.subject == "A lifeboat decision has been made"]
    assert {a for m in decided for a in m.to} == {caseworker.email}
    assert "Pam Panel" in decided[0].body and "Approve" in decided[0].body


def test_a_grant_request_tells_those_who_may_approve_it_never_the_requester(
    caseworker, panel_member, reviewed_org, django_capture_on_commit_callbacks, settings
):
    record, _ = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 1000
    grant, messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: pathways.request_grant(
            record, by=caseworker, title="Rent arrears", purpose="Clear the arrears", amount=Decimal(5000)
        ),
    )
    to = _to(messages, "A lifeboat decision is waiting for you")
    assert to == {panel_member.email}
    assert "The grant “Rent arrears” for Reviewed CVS is waiting for you to approve" in messages[0].body


def test_nothing_is_sent_when_the_change_is_undone(caseworker, reviewed_org, second_caseworker):
    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        cw.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="Cash is short.")
        raise RuntimeError("undo")
    assert mail.outbox == []


def test_an_inactive_or_former_panel_member_is_not_told(
    caseworker, panel_member, reviewed_org, hub, django_capture_on_commit_callbacks
):
    former = UserFactory(full_name="Fay Former")
    MembershipFactory(
        person=former,
        organisation=hub,
        role=Membership.Role.PANEL_MEMBER,
        starts_on=timezone.localdate().replace(year=2020),
        ends_on=timezone.localdate().replace(year=2021),
    )
    inactive = UserFactory(full_name="Ina Inactive", is_active=False)
    MembershipFactory(person=inactive, organisation=hub, role=Membership.Role.PANEL_MEMBER)
    other_org = OrganisationFactory()
    _, messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: scenes.case_awaiting_decision(caseworker=caseworker, organisation=other_org),
    )
    assert _to(messages, "A lifeboat decision is waiting for you") == {panel_member.email}


# --- the approvals inbox on the home page ----------------------------------------------------------


def test_the_panels_home_lists_what_waits_for_its_decision_with_its_age(
    caseworker, panel_member, reviewed_org, client_for
):
    from casework.queries import decisions_waiting_for

    case = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    waiting = decisions_waiting_for(panel_member)
    assert [(w.obj, w.moves) for w in waiting] == [(case, ["Approve the pathway"])]
    page = client_for(panel_member).get("/").content.decode()
    assert "Waiting for your decision" in page and case.get_absolute_url() in page
    assert f"Waiting since {timezone.localdate():%-d %B %Y}" in page
    assert decisions_waiting_for(caseworker) == []  # the team never decides its own case


def test_the_inbox_keeps_four_eyes_a_requested_grant_waits_for_others(caseworker, panel_member, reviewed_org, settings):
    from casework.queries import decisions_waiting_for

    record, _ = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 1000
    grant = pathways.request_grant(record, by=caseworker, title="Rent", purpose="Arrears", amount=Decimal(5000))
    assert [w.obj for w in decisions_waiting_for(panel_member)] == [grant]
    assert decisions_waiting_for(caseworker) == []
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 100000  # below the threshold the team may approve, not the asker
    assert decisions_waiting_for(caseworker) == []


def test_a_closure_plan_completed_by_editing_tells_the_panel_once(
    caseworker, panel_member, reviewed_org, django_capture_on_commit_callbacks
):
    from casework.notices import ready

    scene = scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)
    closure = scene["closure"]
    scenes.closure_items(
        closure, caseworker=caseworker, destination=OrganisationFactory(), funder=OrganisationFactory()
    )
    facts = {
        "staff_timeline": "None",
        "safeguarding_handover": "None open",
        "data_disposition": "Deleted",
        "records_custodian": "The chair",
    }
    assert not ready(closure)
    _, messages = _sent(
        django_capture_on_commit_callbacks,
        lambda: cw.update_closure(closure, by=caseworker, part="winding_down", **facts),
    )
    assert ready(closure)
    assert _to(messages, "A lifeboat decision is waiting for you") == {panel_member.email}
    _, again = _sent(
        django_capture_on_commit_callbacks,
        lambda: cw.update_closure(closure, by=caseworker, part="winding_down", records_custodian="The treasurer"),
    )
    assert _to(again, "A lifeboat decision is waiting for you") == set()
