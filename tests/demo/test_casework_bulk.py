"""Bulk lifeboat history (`seed_demo --scale N`): pathway records and closure registers that agree
with their case, with history rows and audit events on the one chain."""

import random

import pytest
from django.utils import timezone

from casework.models import Candidate, Case, Closure, Interim, Milestone, RegisterItem, Turnaround
from core import audit
from core.models import AuditEvent
from demo import casework_bulk as demo_bulk
from reports import analytics
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

FINISHED = ["closing_review", "closed", "follow_up", "archived"]
MIDWAY = ["active", "on_hold", "escalated", "withdrawn"]


@pytest.fixture
def seeded(caseworker, panel_member, funder):
    for _ in range(6):
        OrganisationFactory()
    assert demo_bulk.seed_history(caseworker=caseworker, panel=panel_member, rng=random.Random(4), cases=150) == 150
    return Case.objects.select_related("closure", "turnaround", "interim")


def test_every_decided_case_has_its_pathway_record_in_a_state_that_fits(seeded):
    decided = [c for c in seeded if c.state in FINISHED + MIDWAY]
    assert len(decided) > 100
    assert {c.pathway for c in decided} == set(Case.Pathway.values)
    for case in decided:
        record = case.pathway_record
        assert record is not None, case.state
        assert record.created_at > case.created_at and record.updated_at < timezone.now()
        if case.state in FINISHED:
            assert record.exit_reached, (case.state, record.state)
            assert case.pathway_finished()
        else:
            assert not record.exit_reached, (case.state, record.state)
    assert not any(c.pathway_record for c in seeded if c.state not in FINISHED + MIDWAY)


def test_closures_follow_their_case(seeded):
    closures = {c.closure.state: c for c in seeded if c.pathway == "closure"}
    for case in seeded.filter(pathway="closure", state__in=FINISHED):
        state = case.closure.state
        if case.state in ("follow_up", "archived"):
            assert state in ("post_closure", "insolvent_route")
        else:
            assert state in ("dissolved", "insolvent_route")
        assert case.outcome == ("insolvent" if state == "insolvent_route" else "closed_orderly")
    assert {"dissolved", "post_closure"} <= set(closures)
    assert set(closures) - set(Closure.EXIT_STATES)  # some still on their way


def test_finished_closures_have_settled_registers_that_pass_the_rules(seeded):
    finished = Closure.objects.filter(state__in=["final_accounts", "regulator_filing", "dissolved", "post_closure"])
    assert finished.count() >= 10
    for closure in finished.prefetch_related("items"):
        items = list(closure.items.all())
        assert {"service", "asset", "fund", "employee", "contract", "creditor", "filing"} <= {i.register for i in items}
        assert all(i.state == "completed" and i.completed_on for i in items)
        assert [i for i in items if i.problems()] == []
        # The guards the real walk passed hold on the bulk rows too.
        assert closure.solvency_passed() and closure.resolutions_recorded() and closure.plan_ready()
        assert closure.registers_resolved() and closure.liabilities_covered() and closure.bank_account_closed()
        assert closure.safeguarding_and_data_settled()
        if closure.exit_reached:
            assert closure.dissolution_approved_by_id and closure.strike_off_timing_ok()
    winding = RegisterItem.objects.filter(closure__state="winding_down")
    assert set(winding.values_list("state", flat=True)) <= {"proposed", "agreed", "completed"}
    assert all(not i.problems() for i in winding.filter(state__in=["agreed", "completed"]))
    assert set(RegisterItem.objects.filter(closure__state="planning").values_list("state", flat=True)) <= {"proposed"}
    restricted = RegisterItem.objects.filter(kind="restricted", state="completed")
    assert {"transferred", "returned"} <= set(restricted.values_list("outcome", flat=True))
    redeployed = analytics.lifeboat_redeployed(analytics.Filters())
    assert redeployed["value_gbp"].sum() > 0


def test_turnarounds_and_interims_carry_their_rows(seeded):
    for turnaround in Turnaround.objects.exclude(state="diagnosis"):
        assert turnaround.milestones_complete() and turnaround.board_approved()
    for turnaround in Turnaround.objects.filter(state__in=["stabilised", "exited"]):
        assert turnaround.runway_enough() and turnaround.reserves_meet_policy()
        assert all(m.has_evidence for m in turnaround.milestones.all())
    matched = Interim.objects.exclude(state__in=["need_identified", "brief_agreed"])
    assert matched.exists()
    for interim in matched:
        assert interim.enough_candidates() and interim.conflict_checked() and interim.references_taken()
    for interim in Interim.objects.filter(state__in=["handover", "ended"]):
        assert interim.reviews.filter(continue_placement=False).exists()


def test_history_and_audit_trail_for_the_new_rows(seeded):
    assert audit.verify()[1] is None
    for model in (Closure, RegisterItem, Turnaround, Interim, Milestone, Candidate):
        objects = list(model.objects.all())
        assert objects, model
        rows = model.history.model.objects.all()
        assert not rows.filter(history_user__isnull=True).exists()
        first = {r.id: r for r in rows.order_by("-history_date", "-history_id")}  # the earliest row wins
        latest = {r.id: r for r in rows.order_by("history_date", "history_id")}  # the latest row wins
        for obj in objects:
            assert first[obj.pk].history_type == "+", model
            if hasattr(obj, "state"):
                assert latest[obj.pk].state == obj.state, model
    for closure in Closure.objects.all():
        trail = list(audit.events_for(closure).values_list("action", "target_state"))
        assert trail[0] == ("start", "")
        moves = [target for _, target in trail if target]
        assert moves[-1:] == ([closure.state] if closure.state != "decision_pending" else [])
    interim = Interim.objects.filter(chosen__isnull=False).first()
    assert interim.history.order_by("-history_date").first().chosen_id == interim.chosen_id
    assert AuditEvent.objects.filter(object_type="casework.registeritem", action="complete").exists()
