"""A model of the closing rules (issue 15): random register edits and moves, outcomes, case moves,
actors and dates, all through the workflow operations the pages and the API call. After every
step: no closed case leaves obligations open without them on the record, nothing is completed in
the future, and the audit chain verifies. Kept small (a few examples) so it runs in seconds."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from casework import workflow as cw
from casework.models import Case, RegisterItem
from core import audit
from core.workflow import ConcurrentTransition, TransitionNotAllowed
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied, ConcurrentTransition)
DAYS = st.integers(min_value=-20, max_value=5)  # completion dates around today, some in the future


class _Rollback(Exception):
    pass


def test_closing_rules_hold_under_random_moves(caseworker, panel_member, reviewed_org):
    scene = scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)
    case_pk, closure = scene["closing_case"].pk, scene["closure"]
    recipient = OrganisationFactory()
    scenes.closure_items(closure, caseworker=caseworker, destination=recipient, funder=OrganisationFactory())
    cw.update_closure(
        closure,
        by=caseworker,
        part="winding_down",
        staff_timeline="None",
        safeguarding_handover="None open",
        data_disposition="Deleted",
        records_custodian="The chair",
    )
    cw.move_closure(closure, "wind_down", by=panel_member)
    people = {"caseworker": caseworker, "panel": panel_member}

    class ClosingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each example starts from the same winding-down case and is rolled back at the end.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            self.atomic.__exit__(_Rollback, _Rollback(), None)

        @property
        def case(self) -> Case:
            return Case.objects.get(pk=case_pk)

        @rule(
            who=st.sampled_from(sorted(people)),
            kind=st.sampled_from(["service", "equipment"]),
            to_self=st.booleans(),
        )
        def add_item(self, who: str, kind: str, to_self: bool) -> None:
            register = "service" if kind == "service" else "asset"
            destination = self.case.organisation if to_self else recipient
            with contextlib.suppress(REFUSED):
                cw.save_item(
                    self.case.closure,
                    by=people[who],
                    register=register,
                    kind=kind,
                    name=f"Item {kind}",
                    outcome="transferred",
                    destination=destination,
                    destination_note="Accepted",
                    go_live_on=timezone.localdate() - datetime.timedelta(days=3),
                    owner=caseworker,
                    due_on=timezone.localdate(),
                )

        @rule(who=st.sampled_from(sorted(people)), days=DAYS, data=st.data())
        def settle_an_item(self, who: str, days: int, data: st.DataObject) -> None:
            items = list(self.case.closure.items.exclude(state__in=RegisterItem.RESOLVED).order_by("pk"))
            if not items:
                return
            item = data.draw(st.sampled_from(items))
            day = timezone.localdate() + datetime.timedelta(days=days)
            try:
                item = cw.save_item(self.case.closure, by=people[who], item=item, completed_on=day)
                if item.state == RegisterItem.State.PROPOSED:
                    item = cw.move_item(item, "agree", by=people[who])
                cw.move_item(item, "complete", by=people[who])
            except REFUSED:
                pass

        @rule(
            outcome=st.sampled_from(Case.Outcome.values),
            explain=st.booleans(),
        )
        def record_outcome(self, outcome: str, explain: bool) -> None:
            with contextlib.suppress(REFUSED):
                cw.record_outcome(
                    self.case,
                    by=caseworker,
                    outcome=outcome,
                    note="What happened",
                    unresolved_note="The trustees stopped replying." if explain else "",
                )

        @rule(
            move=st.sampled_from(["propose_closure", "close", "close_leaving_unresolved", "reject_closure"]),
            who=st.sampled_from(sorted(people)),
            reason=st.sampled_from(["", "Checked with the board."]),
        )
        def move_case(self, move: str, who: str, reason: str) -> None:
            with contextlib.suppress(REFUSED):
                cw.perform(self.case, move, by=people[who], reason=reason)

        @invariant()
        def no_closed_case_with_open_obligations_off_the_record(self) -> None:
            case = self.case
            if case.state == Case.State.CLOSED and case.unresolved_obligations():
                assert case.outcome in Case.LEAVES_UNRESOLVED
                assert case.unresolved_note.strip() and case.unresolved_at_closure.strip()

        @invariant()
        def nothing_completed_in_the_future_nor_given_to_itself(self) -> None:
            items = RegisterItem.objects.filter(closure__case_id=case_pk)
            assert not items.filter(completed_on__gt=timezone.localdate()).exists()
            assert not items.filter(destination_id=self.case.organisation_id).exists()

        @invariant()
        def the_outcome_fits_the_pathway(self) -> None:
            case = self.case
            assert case.outcome in ("", *Case.OUTCOMES_FOR[case.pathway])

        @invariant()
        def the_audit_chain_verifies(self) -> None:
            assert audit.verify()[1] is None

    run_state_machine_as_test(
        ClosingMachine,
        settings=settings(
            max_examples=6,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
