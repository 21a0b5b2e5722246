"""A model of the case's own rules (issue 15): random moves through referral, screening, triage,
the panel's decision, the pathway, closing, follow-up, reopening, withdrawal and decline, made by
random people (the caseworker who runs the case, a panel member on its team, a caseworker and a
panel member off it, a peer-review coordinator) with random dates, all through the workflow
operations the pages and the API call. After every step: no case is closed with obligations open
off the record or before its pathway ended, the outcome fits the pathway, nobody approves their own
work (four eyes), no fact is dated in the future, each move has one audit event and the audit chain
verifies. Kept small (a few examples) so it runs in seconds."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from casework import workflow as cw
from casework.models import Case
from core import audit
from core.models import AuditEvent
from core.workflow import ConcurrentTransition, TransitionNotAllowed, available_transitions
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory
from tests.machines import one_event_per_move

pytestmark = pytest.mark.integration

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied, ConcurrentTransition)
DAYS = st.integers(min_value=-20, max_value=5)  # dates around today, some in the future
ALL_MOVES = sorted({t.name for t in Case._meta.get_field("state").get_all_transitions(Case)})
CLOSED = (Case.State.CLOSED, Case.State.FOLLOW_UP, Case.State.ARCHIVED)
# Moves that are the panel's (or an administrator's) decision on the team's work: four eyes.
DECISIONS = ("approve", "close", "close_leaving_unresolved", "reject_closure", "resolve_escalation", "reopen")


class _Rollback(Exception):
    pass


def _health_check(case: Case, by) -> None:
    today = timezone.localdate()
    cw.record_health_check(
        case,
        by=by,
        annual_income=Decimal(100000),
        annual_expenditure=Decimal(120000),
        free_reserves=Decimal(10000),
        cash_at_bank=Decimal(8000),
        weekly_net_cash=[-500] * 13,
        largest_funder_percent=40,
        finances_as_of=today,
        finances_source="Accounts",
        forecast_as_of=today,
        forecast_source="Forecast",
        governance_as_of=today,
        governance_source="Chair",
    )


def test_case_rules_hold_under_random_moves(caseworker, panel_member, coordinator):
    team_panel = MembershipFactory(role="panel_member").person  # a panel member who works on the case
    other_caseworker = MembershipFactory(role="caseworker").person  # a caseworker on another team
    people = {
        "caseworker": caseworker,
        "team_panel": team_panel,
        "other_caseworker": other_caseworker,
        "panel": panel_member,
        "coordinator": coordinator,
    }
    # Four starting points, each its own organisation: a new referral, a case awaiting the
    # panel, a case active on a turnaround, and one proposed for closing as disengaged.
    referred = cw.open_case(
        cw.refer_organisation(OrganisationFactory(), by=caseworker, source="cvs", concerns="Cash is short."),
        by=caseworker,
        team=[team_panel],
    )
    waiting = scenes.case_awaiting_decision(caseworker=caseworker, organisation=OrganisationFactory())["case"]
    active = scenes.case_on_pathway(
        "turnaround", caseworker=caseworker, panel=panel_member, organisation=OrganisationFactory()
    )
    closing = scenes.case_on_pathway(
        "turnaround", caseworker=caseworker, panel=panel_member, organisation=OrganisationFactory()
    ).case
    cw.record_outcome(closing, by=caseworker, outcome="disengaged", note="The trustees stopped replying.")
    closing = cw.perform(closing, "propose_closure", by=caseworker)
    for case in (waiting, active.case, closing):
        Case.objects.get(pk=case.pk).team.add(team_panel)  # a fresh row: no move's name on its history
    starts = {
        "referred": referred.pk,
        "awaiting_decision": waiting.pk,
        "active": active.case_id,
        "closing_review": closing.pk,
    }

    class CaseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.case_pk = referred.pk

        def teardown(self) -> None:
            self.atomic.__exit__(_Rollback, _Rollback(), None)

        @initialize(start=st.sampled_from(sorted(starts)))
        def start(self, start: str) -> None:
            self.case_pk = starts[start]

        @property
        def case(self) -> Case:
            return Case.objects.get(pk=self.case_pk)

        @rule(who=st.sampled_from(sorted(people)), days=DAYS, confirmed=st.booleans())
        def screen(self, who: str, days: int, confirmed: bool) -> None:
            with contextlib.suppress(REFUSED):
                cw.record_screening(
                    self.case,
                    by=people[who],
                    identity_confirmed=confirmed,
                    conflict_note="",
                    latest_accounts_on=timezone.localdate() + datetime.timedelta(days=days),
                )

        @rule(who=st.sampled_from(sorted(people)))
        def health_check(self, who: str) -> None:
            with contextlib.suppress(REFUSED):
                _health_check(self.case, people[who])

        @rule(
            who=st.sampled_from(sorted(people)),
            pathway=st.sampled_from(Case.Pathway.values),
            days=DAYS,
            reason=st.sampled_from(["", "The board asked for it."]),
        )
        def choose_pathway(self, who: str, pathway: str, days: int, reason: str) -> None:
            with contextlib.suppress(REFUSED):
                cw.choose_pathway(
                    self.case,
                    by=people[who],
                    pathway=pathway,
                    reason=reason,
                    board_consent_on=timezone.localdate() + datetime.timedelta(days=days),
                    board_consent_note="Board minutes.",
                )

        @rule(who=st.sampled_from(sorted(people)), pathway=st.sampled_from(Case.Pathway.values))
        def change_pathway(self, who: str, pathway: str) -> None:
            with contextlib.suppress(REFUSED):
                cw.change_pathway(self.case, by=people[who], pathway=pathway, reason="The plan is not working.")

        @rule(who=st.sampled_from(sorted(people)), outcome=st.sampled_from(Case.Outcome.values), explain=st.booleans())
        def record_outcome(self, who: str, outcome: str, explain: bool) -> None:
            with contextlib.suppress(REFUSED):
                cw.record_outcome(
                    self.case,
                    by=people[who],
                    outcome=outcome,
                    note="What happened.",
                    unresolved_note="The trustees stopped replying." if explain else "",
                )

        @rule(who=st.sampled_from(sorted(people)))
        def leave_an_obligation(self, who: str) -> None:
            # A register item on a closing case is an obligation until its destination is settled.
            case = self.case
            if case.pathway != Case.Pathway.CLOSURE or case.closure is None:
                return
            with contextlib.suppress(REFUSED):
                cw.save_item(
                    case.closure,
                    by=people[who],
                    register="service",
                    kind="service",
                    name="Lunch club",
                    owner=caseworker,
                    due_on=timezone.localdate(),
                )

        @rule(
            who=st.sampled_from(sorted(people)),
            any_move=st.booleans(),
            reason=st.sampled_from(["", "Checked with the board."]),
            signposting=st.sampled_from(["", "The local CVS."]),
            days=DAYS,
            data=st.data(),
        )
        def move(self, who: str, any_move: bool, reason: str, signposting: str, days: int, data: st.DataObject) -> None:
            case = self.case
            # Mostly a move that exists from here (who may make it is left to chance), sometimes any.
            here = sorted({t.name for t in case.get_all_state_transitions() if t.source == case.state})
            name = data.draw(st.sampled_from(ALL_MOVES if any_move or not here else here))
            with contextlib.suppress(REFUSED):
                cw.perform(
                    case,
                    name,
                    by=people[who],
                    reason=reason,
                    signposting=signposting,
                    kind="regulator_inquiry",
                    until=timezone.localdate() + datetime.timedelta(days=days),
                )

        @rule(who=st.sampled_from(sorted(people)), data=st.data())
        def offered_move(self, who: str, data: st.DataObject) -> None:
            # A move the page would offer this person as a button now.
            case = self.case
            offered = sorted(t.name for t in available_transitions(case, people[who]))
            if not offered:
                return
            with contextlib.suppress(REFUSED):
                cw.perform(
                    case,
                    data.draw(st.sampled_from(offered)),
                    by=people[who],
                    reason="Checked with the board.",
                    signposting="The local CVS.",
                    kind="serious_incident",
                )

        @invariant()
        def no_closed_case_before_its_end_or_with_open_obligations_off_the_record(self) -> None:
            case = self.case
            if case.state in CLOSED:
                assert case.outcome in Case.OUTCOMES_FOR[case.pathway]
                assert case.pathway_finished(), "closed before the pathway ended"
                if case.unresolved_obligations():
                    assert case.outcome in Case.LEAVES_UNRESOLVED
                    assert case.unresolved_note.strip() and case.unresolved_at_closure.strip()

        @invariant()
        def turned_away_cases_are_signposted(self) -> None:
            case = self.case
            if case.state in (Case.State.DECLINED, Case.State.WITHDRAWN):
                assert case.signposting.strip()

        @invariant()
        def no_fact_in_the_future(self) -> None:
            case, today = self.case, timezone.localdate()
            assert case.latest_accounts_on is None or case.latest_accounts_on <= today
            assert case.board_consent_on is None or case.board_consent_on <= today

        @invariant()
        def four_eyes(self) -> None:
            case = self.case
            team = {case.owner_id, *case.team.values_list("pk", flat=True)}
            events = AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk)).order_by("id")
            proposer = None
            for event in events:
                if event.action == "propose_closure":
                    proposer = event.actor_id
                if event.action in DECISIONS or event.action == "choose_pathway":
                    assert event.actor_id not in team, f"{event.action} by the case team"
                    assert event.actor_id != case.triaged_by_id, f"{event.action} by the triager"
                if event.action in ("close", "close_leaving_unresolved"):
                    assert event.actor_id != proposer, "the proposer approved the closure"

        @invariant()
        def one_audit_event_per_move_and_the_chain_verifies(self) -> None:
            one_event_per_move(self.case)
            assert audit.verify()[1] is None

    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
