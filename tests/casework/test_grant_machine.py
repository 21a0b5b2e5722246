"""A model of the turnaround's money rules (issue 15): random grant requests, approvals,
refusals, withdrawals, tranches, releases, monitoring and claw-backs, with random amounts and
dates, while the plan's milestones are edited and the plan moves, made by random people (the
caseworker who runs the case, a second caseworker on its team, a panel member on the team, a
panel member and a caseworker off it), all through the workflow operations the pages and the API
call. After every step: approval binds what was approved (an approved plan still has the
milestones the panel approved, an awarded grant its amount and purpose), nothing is paid beyond
what was approved nor approved by its requester, nothing is paid or evidenced in the future,
refused, withdrawn and clawed-back grants say why, each move has one audit event and the audit
chain verifies. Kept small (a few examples) so it runs in seconds."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from casework import pathways
from casework.models import Grant, Milestone, Tranche, Turnaround
from core import audit
from core.models import AuditEvent
from core.workflow import ConcurrentTransition, TransitionNotAllowed, available_transitions
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory
from tests.machines import one_event_per_move

pytestmark = pytest.mark.integration

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied, ConcurrentTransition)
DAYS = st.integers(min_value=-20, max_value=5)  # dates around today, some in the future
AMOUNTS = st.sampled_from([Decimal(a) for a in ("0", "250", "1000", "2500", "6000", "30000")])
GRANT_MOVES = ["refuse", "withdraw", "monitor", "close", "claw_back", "pay", "approve"]
# Moves that undo a grant: each needs its reason on the record.
UNDOING = ("refuse", "withdraw", "claw_back")


class _Rollback(Exception):
    pass


def _plan(record: Turnaround) -> dict[int, tuple]:
    """What the panel approves in a plan: each milestone's title, measure, owner and date."""
    return {
        m.pk: (m.title, m.measure, m.owner_id, m.owner_name, m.due_on)
        for m in Milestone.objects.filter(turnaround=record)
    }


def test_grant_rules_hold_under_random_moves(caseworker, panel_member):
    organisation = OrganisationFactory()
    record, milestone = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=organisation)
    second = MembershipFactory(role="caseworker").person  # on the team: may approve small grants
    team_panel = MembershipFactory(role="panel_member").person  # a panel member who works on the case
    other_caseworker = MembershipFactory(role="caseworker").person  # on another team
    record.case.team.add(second, team_panel)
    # Money already moving: the milestone evidenced, the plan being implemented, one grant
    # approved with a tranche planned, and one asked for.
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Grant letter", evidence_on=timezone.localdate())
    record = pathways.move_turnaround(Turnaround.objects.get(pk=record.pk), "implement", by=caseworker)
    grant = pathways.request_grant(
        record, by=caseworker, title="Systems", purpose="A finance system", amount=Decimal(2000)
    )
    grant = pathways.approve_grant(grant, by=panel_member, declaration="none")
    pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal(1000))
    pathways.request_grant(record, by=second, title="Bid writer", purpose="Fees", amount=Decimal(1500))
    people = {
        "caseworker": caseworker,
        "second": second,
        "team_panel": team_panel,
        "panel": panel_member,
        "other_caseworker": other_caseworker,
    }
    pk = record.pk

    class GrantMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.approved_plan: tuple[int | None, dict] = (None, {})
            self.awarded: dict[int, tuple] = {}

        def teardown(self) -> None:
            self.atomic.__exit__(_Rollback, _Rollback(), None)

        @property
        def record(self) -> Turnaround:
            return Turnaround.objects.get(pk=pk)

        def _grants(self) -> list[Grant]:
            return list(Grant.objects.filter(turnaround_id=pk).order_by("pk"))

        @rule(who=st.sampled_from(sorted(people)), amount=AMOUNTS)
        def request(self, who: str, amount: Decimal) -> None:
            with contextlib.suppress(REFUSED):
                pathways.request_grant(self.record, by=people[who], title="Bid writer", purpose="Fees", amount=amount)

        @rule(who=st.sampled_from(sorted(people)), declare=st.booleans(), data=st.data())
        def approve(self, who: str, declare: bool, data: st.DataObject) -> None:
            grants = self._grants()
            if grants:
                grant = data.draw(st.sampled_from(grants))
                with contextlib.suppress(REFUSED):
                    pathways.approve_grant(grant, by=people[who], declaration="none" if declare else "")

        @rule(
            who=st.sampled_from(sorted(people)),
            name=st.sampled_from(GRANT_MOVES),
            reason=st.sampled_from(["", "The council funded it instead."]),
            clawback=AMOUNTS,
            data=st.data(),
        )
        def move_grant(self, who: str, name: str, reason: str, clawback: Decimal, data: st.DataObject) -> None:
            grants = self._grants()
            if grants:
                grant = data.draw(st.sampled_from(grants))
                with contextlib.suppress(REFUSED):
                    pathways.move_grant(grant, name, by=people[who], reason=reason, clawback_amount=clawback)

        @rule(who=st.sampled_from(sorted(people)), data=st.data())
        def monitor(self, who: str, data: st.DataObject) -> None:
            grants = self._grants()
            if grants:
                with contextlib.suppress(REFUSED):
                    pathways.record_monitoring(
                        data.draw(st.sampled_from(grants)), by=people[who], note="Spent on fees."
                    )

        @rule(who=st.sampled_from(sorted(people)), amount=AMOUNTS, data=st.data())
        def plan_tranche(self, who: str, amount: Decimal, data: st.DataObject) -> None:
            grants, milestones = self._grants(), list(Milestone.objects.filter(turnaround_id=pk).order_by("pk"))
            if grants and milestones:
                grant, milestone = data.draw(st.sampled_from(grants)), data.draw(st.sampled_from(milestones))
                with contextlib.suppress(REFUSED):
                    pathways.add_tranche(grant, by=people[who], milestone=milestone, amount=amount)

        @rule(who=st.sampled_from(sorted(people)), days=st.none() | DAYS, data=st.data())
        def release(self, who: str, days: int | None, data: st.DataObject) -> None:
            tranches = list(Tranche.objects.filter(grant__turnaround_id=pk).order_by("pk"))
            if tranches:
                tranche = data.draw(st.sampled_from(tranches))
                paid_on = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
                with contextlib.suppress(REFUSED):
                    pathways.release_tranche(tranche, by=people[who], paid_on=paid_on)

        @rule(
            who=st.sampled_from(sorted(people)),
            change=st.sampled_from(["evidence", "evidence", "achieved", "title", "due_on"]),
            days=DAYS,
            data=st.data(),
        )
        def edit_milestone(self, who: str, change: str, days: int, data: st.DataObject) -> None:
            milestones = list(Milestone.objects.filter(turnaround_id=pk).order_by("pk"))
            milestone = data.draw(st.sampled_from(milestones))
            day = timezone.localdate() + datetime.timedelta(days=days)
            fields = {
                "evidence": {"evidence_note": "Grant letter", "evidence_on": day},
                "title": {"title": f"Milestone {days}"},
                "due_on": {"due_on": day + datetime.timedelta(days=60)},
                "achieved": {"achieved_on": day},
            }[change]
            with contextlib.suppress(REFUSED):
                pathways.update_milestone(milestone, by=people[who], **fields)

        @rule(who=st.sampled_from(sorted(people)))
        def add_milestone(self, who: str) -> None:
            with contextlib.suppress(REFUSED):
                pathways.add_milestone(
                    self.record,
                    by=people[who],
                    title="Reserves rebuilt",
                    measure="Three months of reserves",
                    owner_name="The treasurer",
                    due_on=timezone.localdate() + datetime.timedelta(days=90),
                )

        @rule(who=st.sampled_from(sorted(people)), data=st.data())
        def move_plan(self, who: str, data: st.DataObject) -> None:
            # A move the turnaround page offers this person now.
            record = self.record
            offered = sorted(t.name for t in available_transitions(record, people[who]))
            if offered:
                with contextlib.suppress(REFUSED):
                    pathways.move_turnaround(
                        record, data.draw(st.sampled_from(offered)), by=people[who], reason="Not ready."
                    )

        @invariant()
        def an_approved_plan_is_the_plan_the_panel_approved(self) -> None:
            record = self.record
            approval = (
                AuditEvent.objects.filter(object_type="casework.turnaround", object_id=str(pk), action="approve_plan")
                .order_by("-id")
                .values_list("id", flat=True)
                .first()
            )
            if approval != self.approved_plan[0]:
                self.approved_plan = (approval, _plan(record))  # a new approval: what it approved
            if record.state in Turnaround.RUNNING:
                assert record.plan_approved_by_id is not None
                assert _plan(record) == self.approved_plan[1], "the approved plan changed and stayed approved"

        @invariant()
        def an_awarded_grant_keeps_what_was_awarded(self) -> None:
            for grant in self._grants():
                if grant.state in Grant.AWARDED:
                    terms = (grant.amount, grant.purpose, grant.title, grant.approved_by_id)
                    assert self.awarded.setdefault(grant.pk, terms) == terms

        @invariant()
        def nothing_paid_beyond_the_approval(self) -> None:
            for grant in self._grants():
                tranches = list(grant.tranches.all())
                paid = sum((t.amount for t in tranches if t.state == Tranche.State.PAID), Decimal(0))
                assert sum((t.amount for t in tranches), Decimal(0)) <= grant.amount
                assert paid <= grant.amount
                if paid or tranches:
                    assert grant.state in Grant.AWARDED and grant.approved_by_id is not None
                if grant.approved_by_id is not None:
                    assert grant.approved_by_id != grant.requested_by_id, "the requester approved the grant"
                    assert grant.approver_declaration.strip()
                if grant.clawback_amount is not None:
                    assert Decimal(0) < grant.clawback_amount <= paid

        @invariant()
        def nothing_paid_or_evidenced_in_the_future(self) -> None:
            today = timezone.localdate()
            assert not Tranche.objects.filter(grant__turnaround_id=pk, paid_on__gt=today).exists()
            assert not Tranche.objects.filter(grant__turnaround_id=pk, state="paid", paid_on__isnull=True).exists()
            milestones = Milestone.objects.filter(turnaround_id=pk)
            assert not milestones.filter(evidence_on__gt=today).exists()
            assert not milestones.filter(achieved_on__gt=today).exists()

        @invariant()
        def undone_grants_say_why(self) -> None:
            for grant in self._grants():
                if grant.state in (Grant.State.REFUSED, Grant.State.WITHDRAWN, Grant.State.CLAWED_BACK):
                    event = audit.events_for(grant).exclude(target_state="").order_by("id").last()
                    assert event.action in UNDOING and event.reason.strip()

        @invariant()
        def one_audit_event_per_move_and_the_chain_verifies(self) -> None:
            one_event_per_move(self.record)
            for grant in self._grants():
                one_event_per_move(grant)
            for tranche in Tranche.objects.filter(grant__turnaround_id=pk):
                one_event_per_move(tranche)
            assert audit.verify()[1] is None

    run_state_machine_as_test(
        GrantMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
