"""One spec per move: a move's inputs besides the reason are its form (`custom={"inputs": …}`),
rendered on the page from that form, checked with it by the page and the API alike, and
documented in the API's body from it. The operation still refuses on its own."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from api.transitions import MoveBodySerializer, TransitionRequestSerializer
from casework import forms, pathways, workflow
from casework.models import Case, Closure, Grant
from core.workflow import available_transitions, move_inputs, moves_with_inputs
from peerreview import forms as review_forms
from peerreview.models import Assignment, Review
from tests import scenes

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()


@pytest.fixture
def case(caseworker, panel_member, reviewed_org):
    return scenes.case_on_pathway(
        "turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org
    ).case


@pytest.fixture
def paid_grant(caseworker, panel_member, reviewed_org):
    record, milestone = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    grant = pathways.request_grant(record, by=caseworker, title="Finance system", purpose="A system", amount=1000)
    grant = pathways.approve_grant(grant, by=panel_member, declaration="none")
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    pathways.release_tranche(pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=600), by=caseworker)
    return Grant.objects.get(pk=grant.pk)


def test_the_registry_names_each_moves_form():
    found = {(model.__name__, name): form for model, name, form in moves_with_inputs()}
    assert found == {
        ("Case", "decline"): forms.SignpostingForm,
        ("Case", "withdraw"): forms.SignpostingForm,
        ("Case", "hold"): forms.HoldForm,
        ("Case", "escalate"): forms.EscalationForm,
        ("Closure", "go_insolvent"): forms.InsolventForm,
        ("Grant", "claw_back"): forms.ClawbackForm,
        ("Tranche", "release"): forms.ReleaseForm,
        ("Review", "publish"): review_forms.PublishForm,
        ("Review", "appeal"): review_forms.AppealGroundsForm,
        ("Assignment", "accept"): review_forms.AcceptForm,
    }
    assert {Case, Closure, Grant, Review, Assignment} <= {model for model, _, _ in moves_with_inputs()}


def test_the_api_body_is_the_forms_fields_with_the_names_it_always_had():
    """Generated from the forms, and still the contract clients were given."""
    documented = set(TransitionRequestSerializer().fields)
    inputs = {key for _, _, form in moves_with_inputs() for key in form.base_fields}
    assert documented == set(MoveBodySerializer().fields) | inputs
    assert inputs == {
        "signposting",
        "kind",
        "until",
        "practitioner",
        "clawback_amount",
        "paid_on",
        "visibility",
        "shared_with",
        "grounds",
        "declaration",
    }
    kind = TransitionRequestSerializer().fields["kind"]
    assert set(kind.choices) == set(Case.Escalation.values) and "case escalate" in kind.help_text


def test_the_case_page_renders_each_moves_form_and_names_no_move(case, caseworker, client_for):
    page = client_for(caseworker).get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    for name, field in [("hold", "until"), ("escalate", "kind"), ("withdraw", "signposting")]:
        assert f'id="{name}-{case.pk}-{field}"' in page and f'name="{field}"' in page
    assert 'type="date"' in page  # the hold date, from the form's widget
    moves = {t.name: t for t in available_transitions(case, caseworker)}
    assert moves["hold"].input_form().fields.keys() == {"until"}
    assert moves["hold"].input_form()["until"].auto_id == f"hold-{case.pk}-until"


def test_a_bad_input_on_the_page_is_a_message_and_changes_nothing(case, caseworker, client_for):
    client = client_for(caseworker)
    url = reverse("casework:case-move", args=[case.pk, "escalate"])
    response = client.post(url, {"reason": "Trustees resigned", "kind": "a rumour"}, follow=True)
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == Case.State.ACTIVE
    client.post(url, {"reason": "Trustees resigned", "kind": "regulator_inquiry"})
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.escalation) == (Case.State.ESCALATED, "regulator_inquiry")


def test_the_grant_page_takes_the_clawback_through_its_form(paid_grant, panel_member, client_for):
    client = client_for(panel_member)
    page = client.get(reverse("casework:turnaround", args=[paid_grant.case.pk])).content.decode()
    assert f'id="claw_back-{paid_grant.pk}-clawback_amount"' in page
    url = reverse("casework:grant-move", args=[paid_grant.case.pk, paid_grant.pk, "claw_back"])
    refused = client.post(url, {"reason": "Misspent", "clawback_amount": "six hundred"}, follow=True)
    assert "Enter a number" in refused.content.decode()
    refused = client.post(url, {"reason": "Misspent", "clawback_amount": "601"}, follow=True)
    assert "up to the £600.00 paid" in refused.content.decode()  # the operation's rule, not the form's
    client.post(url, {"reason": "Misspent", "clawback_amount": "600"})
    grant = Grant.objects.get(pk=paid_grant.pk)
    assert (grant.state, grant.clawback_amount) == (Grant.State.CLAWED_BACK, Decimal("600"))


def test_the_api_checks_a_moves_inputs_with_the_same_form(case, caseworker, api_for):
    client = api_for(caseworker)
    url = f"/api/v1/cases/{case.pk}/transitions/hold/"
    refused = client.post(url, {"reason": "Away day", "until": "next week"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"until": ["Give the date as year-month-day, or leave it empty."]}
    assert Case.objects.get(pk=case.pk).state == Case.State.ACTIVE
    until = TODAY + datetime.timedelta(days=30)
    done = client.post(url, {"reason": "Away day", "until": until.isoformat(), "kind": "ignored"}, format="json")
    assert done.status_code == 200 and Case.objects.get(pk=case.pk).held_until == until


def test_someone_who_may_not_make_the_move_hears_that_before_their_input_is_checked(case, api_for, panel_member):
    response = api_for(panel_member).post(f"/api/v1/cases/{case.pk}/transitions/hold/", {"until": "x"}, format="json")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        move_inputs(case, "hold", {"until": "x"}, by=panel_member)


def test_the_operation_still_refuses_without_the_form(case, caseworker):
    """The shell and the demo call the operation directly: its rule holds without any form."""
    with pytest.raises(ValidationError, match="Say where else the organisation can get help"):
        workflow.perform(case, "withdraw", by=caseworker, reason="They stopped replying")
