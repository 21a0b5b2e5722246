"""A model of interim management's rules (issue 15): random edits of the brief, the contract and
the exit report, candidates and their checks, the choice, documents, placement reviews and moves,
with random dates (some in the future), made by random people (the caseworker who runs the case,
a panel member on its team, a panel member and a caseworker off it), all through the workflow
operations the pages and the API call. After every step: approval binds the brief (an agreed brief
is the one the panel agreed) and the placement's terms once in post, the brief was agreed by the
panel off the case team, nothing is checked, reviewed or signed off in the future, each move has
one audit event and the audit chain verifies. Kept small (a few examples) so it runs in seconds."""

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

from casework import pathways
from casework.models import Candidate, Interim, InterimReview
from core import audit
from core.models import AuditEvent
from core.workflow import ConcurrentTransition, TransitionNotAllowed, available_transitions
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory
from tests.machines import one_event_per_move

pytestmark = pytest.mark.integration

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied, ConcurrentTransition)
DAYS = st.integers(min_value=-20, max_value=5)  # dates around today, some in the future
BRIEF = sorted(pathways.BRIEF_FIELDS)
CONTRACT = sorted(pathways.CONTRACT_FIELDS)
AGREED = [s for s in Interim.State.values if s != Interim.State.NEED_IDENTIFIED]
IN_POST = (*Interim.IN_POST_STATES, Interim.State.ENDED)


class _Rollback(Exception):
    pass


def _terms(interim: Interim, names: list[str]) -> dict:
    return {name: getattr(interim, name) for name in names}


def _briefed(caseworker, panel_member, team_panel) -> Interim:
    """An interim placement whose brief is written, not yet agreed."""
    interim = scenes.case_on_pathway(
        "interim", caseworker=caseworker, panel=panel_member, organisation=OrganisationFactory()
    )
    interim.case.team.add(team_panel)
    return pathways.update_interim(
        interim,
        by=caseworker,
        need="The chief executive left.",
        scope="Lead the charity",
        deliverables="A budget",
        duration_months=6,
        day_rate=Decimal(450),
        budget_source="Lifeboat fund",
        board_sponsor="The chair",
    )


def _in_post(caseworker, panel_member, team_panel) -> Interim:
    """An interim in post: brief agreed, two candidates checked, one chosen, the agreement attached."""
    today = timezone.localdate()
    interim = pathways.move_interim(_briefed(caseworker, panel_member, team_panel), "agree_brief", by=panel_member)
    interim = pathways.move_interim(interim, "source", by=caseworker)
    for name in ("Alex Interim", "Sam Interim"):
        candidate = pathways.add_candidate(interim, by=caseworker, name=name, conflict_note="none")
        pathways.update_candidate(candidate, by=caseworker, conflict_checked_on=today, references_checked_on=today)
    interim = pathways.choose_candidate(interim, by=caseworker, candidate=candidate)
    interim = pathways.move_interim(interim, "match", by=caseworker)
    interim = pathways.move_interim(interim, "contract", by=caseworker)
    scenes.attach(interim.case, "agreement", by=caseworker)
    interim = pathways.update_interim(
        interim, by=caseworker, start_on=today - datetime.timedelta(days=10), reporting_line="The chair"
    )
    return pathways.move_interim(Interim.objects.get(pk=interim.pk), "start_placement", by=caseworker)


def test_interim_rules_hold_under_random_moves(caseworker, panel_member):
    team_panel = MembershipFactory(role="panel_member").person  # a panel member who works on the case
    other_caseworker = MembershipFactory(role="caseworker").person  # on another team
    # Two starting points, each its own organisation: a brief waiting for the panel, and an interim in post.
    starts = {
        "briefed": _briefed(caseworker, panel_member, team_panel).pk,
        "in_post": _in_post(caseworker, panel_member, team_panel).pk,
    }
    people = {
        "caseworker": caseworker,
        "team_panel": team_panel,
        "panel": panel_member,
        "other_caseworker": other_caseworker,
    }
    team = {caseworker.pk, team_panel.pk}

    class InterimMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.agreed: tuple[int | None, dict] = (None, {})
            self.contract: dict | None = None
            self.pk = starts["briefed"]

        def teardown(self) -> None:
            self.atomic.__exit__(_Rollback, _Rollback(), None)

        @initialize(start=st.sampled_from(sorted(starts)))
        def start(self, start: str) -> None:
            self.pk = starts[start]

        @property
        def interim(self) -> Interim:
            return Interim.objects.get(pk=self.pk)

        @rule(
            who=st.sampled_from(sorted(people)),
            part=st.sampled_from(["brief", "contract", "exit"]),
            days=DAYS,
            rate=st.sampled_from([Decimal(450), Decimal(500)]),
        )
        def edit(self, who: str, part: str, days: int, rate: Decimal) -> None:
            day = timezone.localdate() + datetime.timedelta(days=days)
            fields = {
                "brief": {"day_rate": rate, "scope": "Lead the charity" if rate == 450 else "Lead and fundraise"},
                "contract": {"start_on": day, "reporting_line": "The chair", "role_needs_dbs": days % 2 == 0},
                "exit": {
                    "done_summary": "A budget.",
                    "left_for_permanent": "Fundraising.",
                    "in_progress": "The audit.",
                    "permanent_ceo_status": "recruiting",
                    "sponsor_signed_off_on": day,
                },
            }[part]
            with contextlib.suppress(REFUSED):
                pathways.update_interim(self.interim, by=people[who], **fields)

        @rule(who=st.sampled_from(sorted(people)), name=st.sampled_from(["Alex Interim", "Sam Interim"]))
        def add_candidate(self, who: str, name: str) -> None:
            with contextlib.suppress(REFUSED):
                pathways.add_candidate(self.interim, by=people[who], name=name, conflict_note="none")

        @rule(who=st.sampled_from(sorted(people)), days=DAYS, data=st.data())
        def check_candidate(self, who: str, days: int, data: st.DataObject) -> None:
            candidates = list(Candidate.objects.filter(interim_id=self.pk).order_by("pk"))
            if candidates:
                day = timezone.localdate() + datetime.timedelta(days=days)
                with contextlib.suppress(REFUSED):
                    pathways.update_candidate(
                        data.draw(st.sampled_from(candidates)),
                        by=people[who],
                        conflict_checked_on=day,
                        references_checked_on=day,
                        dbs_checked_on=day,
                    )

        @rule(who=st.sampled_from(sorted(people)), data=st.data())
        def choose(self, who: str, data: st.DataObject) -> None:
            candidates = list(Candidate.objects.filter(interim_id=self.pk).order_by("pk"))
            if candidates:
                with contextlib.suppress(REFUSED):
                    pathways.choose_candidate(
                        self.interim, by=people[who], candidate=data.draw(st.sampled_from(candidates))
                    )

        @rule(who=st.sampled_from(sorted(people)), slot=st.sampled_from(["agreement", "exit_report"]))
        def attach(self, who: str, slot: str) -> None:
            with contextlib.suppress(REFUSED):
                scenes.attach(self.interim.case, slot, by=people[who])

        @rule(who=st.sampled_from(sorted(people)), days=DAYS, carry_on=st.booleans())
        def review(self, who: str, days: int, carry_on: bool) -> None:
            with contextlib.suppress(REFUSED):
                pathways.record_interim_review(
                    self.interim,
                    by=people[who],
                    held_on=timezone.localdate() + datetime.timedelta(days=days),
                    continue_placement=carry_on,
                    note="Going well.",
                )

        @rule(who=st.sampled_from(sorted(people)), any_move=st.booleans(), data=st.data())
        def move(self, who: str, any_move: bool, data: st.DataObject) -> None:
            # Mostly a move the placement page offers this person; sometimes any move at all.
            interim = self.interim
            offered = sorted(t.name for t in available_transitions(interim, people[who]))
            names = (
                sorted({t.name for t in interim.get_all_state_transitions()}) if any_move or not offered else offered
            )
            with contextlib.suppress(REFUSED):
                pathways.move_interim(interim, data.draw(st.sampled_from(names)), by=people[who], reason="Checked.")

        @invariant()
        def an_agreed_brief_is_the_one_the_panel_agreed(self) -> None:
            interim = self.interim
            agreement = (
                AuditEvent.objects.filter(object_type="casework.interim", object_id=str(self.pk), action="agree_brief")
                .order_by("-id")
                .first()
            )
            if agreement is not None and agreement.pk != self.agreed[0]:
                self.agreed = (agreement.pk, _terms(interim, BRIEF))
                assert agreement.actor_id not in team, "the case team agreed its own brief"
            if interim.state in AGREED:
                assert interim.brief_agreed_by_id is not None and interim.brief_agreed_by_id not in team
                assert _terms(interim, BRIEF) == self.agreed[1], "the agreed brief changed"

        @invariant()
        def the_terms_are_fixed_once_in_post(self) -> None:
            interim = self.interim
            if interim.state in IN_POST:
                terms = _terms(interim, CONTRACT)
                if self.contract is None:
                    self.contract = terms
                assert terms == self.contract, "the placement's terms changed while in post"

        @invariant()
        def nothing_checked_reviewed_or_signed_off_in_the_future(self) -> None:
            interim, today = self.interim, timezone.localdate()
            assert interim.sponsor_signed_off_on is None or interim.sponsor_signed_off_on <= today
            candidates = Candidate.objects.filter(interim_id=self.pk)
            for name in ("conflict_checked_on", "references_checked_on", "dbs_checked_on"):
                assert not candidates.filter(**{f"{name}__gt": today}).exists()
            reviews = InterimReview.objects.filter(interim_id=self.pk)
            assert not reviews.filter(held_on__gt=today).exists()
            if interim.start_on:
                assert not reviews.filter(held_on__lt=interim.start_on).exists()

        @invariant()
        def one_audit_event_per_move_and_the_chain_verifies(self) -> None:
            one_event_per_move(self.interim)
            assert audit.verify()[1] is None

    run_state_machine_as_test(
        InterimMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
