"""Every lifeboat state machine against a table written from DESIGN.md ("Lifeboat case lifecycle")
and anchors/casework_anchors.md §5: each move's sources, its target and who may make it.

The machine must declare exactly the table's moves, and on the module's scene (built through the
real workflow) exactly the table's people hold each move's permission. Guards are tested elsewhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from casework import workflow as cw
from casework.models import Case, Closure, Grant, Interim, RegisterItem, Tranche, Turnaround
from tests.conftest import ROLE_FIXTURES
from tests.factories import MembershipFactory, UserFactory
from tests.machines import Table, declared_moves, table_moves, who_may
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)

pytestmark = pytest.mark.integration

# Beyond tests/conftest.py's cast: on every case of the scene the caseworker is the owner, did the
# triage, requested the grants and asked for the register item to be marked not applicable;
# "colleague" is another caseworker on the case team, "panel_on_team" a lifeboat panel member who
# is on the case team too, and "other_caseworker" a caseworker on no team of these cases.
EXTRAS = ["colleague", "panel_on_team", "other_caseworker"]

TEAM = {"caseworker", "colleague", "panel_on_team"}  # runs the case: triage, plans, placements, grants
PANEL = {"panel_member"}  # four eyes: the panel approves, never anyone on the case team
NOT_THE_ASKER = (TEAM | PANEL) - {"caseworker"}  # "a reason signed off by someone else"

C = Case.State
BEFORE_DECISION = {C.REFERRED, C.SCREENING, C.TRIAGE, C.AWAITING_DECISION}
CASE: Table = {
    "screen": ({C.REFERRED}, C.SCREENING, TEAM),
    "start_triage": ({C.SCREENING}, C.TRIAGE, TEAM),
    "submit_triage": ({C.TRIAGE}, C.AWAITING_DECISION, TEAM),
    # The panel decides, never the triager or the team.
    "approve": ({C.AWAITING_DECISION}, C.ACTIVE, PANEL),
    # DESIGN names no one; the anchors (§5.2) say the caseworker or the panel, and the code lets
    # the panel decline only where they did not triage.
    "decline": (BEFORE_DECISION, C.DECLINED, TEAM | PANEL),
    "withdraw": (
        BEFORE_DECISION | {C.ACTIVE, C.ON_HOLD, C.ESCALATED, C.CLOSING_REVIEW},
        C.WITHDRAWN,
        TEAM,
    ),
    "hold": ({C.ACTIVE}, C.ON_HOLD, TEAM),
    "resume": ({C.ON_HOLD}, C.ACTIVE, TEAM),
    "escalate": ({C.ACTIVE}, C.ESCALATED, TEAM),
    "resolve_escalation": ({C.ESCALATED}, C.ACTIVE, PANEL),
    "propose_closure": ({C.ACTIVE}, C.CLOSING_REVIEW, TEAM),
    "reject_closure": ({C.CLOSING_REVIEW}, C.ACTIVE, PANEL),
    "close": ({C.CLOSING_REVIEW}, C.CLOSED, PANEL),
    "close_leaving_unresolved": ({C.CLOSING_REVIEW}, C.CLOSED, PANEL),
    "start_follow_up": ({C.CLOSED}, C.FOLLOW_UP, TEAM),
    "archive": ({C.FOLLOW_UP}, C.ARCHIVED, TEAM),
    # "Reopening needs a permission and a reason": DESIGN does not say whose. The code gives it to
    # the panel (not the team) and to administrators, who see every case.
    "reopen": ({C.CLOSED, C.FOLLOW_UP}, C.ACTIVE, PANEL | {"administrator"}),
}

L = Closure.State
CLOSURE: Table = {
    "decide": ({L.DECISION_PENDING}, L.DECISION_MADE, TEAM),  # records the trustees' own decision
    "plan": ({L.DECISION_MADE}, L.PLANNING, TEAM),
    "wind_down": ({L.PLANNING}, L.WINDING_DOWN, PANEL),  # the panel approves the plan
    "finish_winding_down": ({L.WINDING_DOWN}, L.FINAL_ACCOUNTS, TEAM),
    "file": ({L.FINAL_ACCOUNTS}, L.REGULATOR_FILING, TEAM),
    "dissolve": ({L.REGULATOR_FILING}, L.DISSOLVED, PANEL),  # the panel approves the closure
    "after_closure": ({L.DISSOLVED}, L.POST_CLOSURE, TEAM),
    # "or an insolvent route when the solvency test fails", at any stage before dissolution.
    "go_insolvent": (
        {L.DECISION_PENDING, L.DECISION_MADE, L.PLANNING, L.WINDING_DOWN, L.FINAL_ACCOUNTS, L.REGULATOR_FILING},
        L.INSOLVENT_ROUTE,
        TEAM,
    ),
}

R = RegisterItem.State
ITEM: Table = {
    "agree": ({R.PROPOSED}, R.AGREED, TEAM),
    "complete": ({R.AGREED}, R.COMPLETED, TEAM),
    # Made by the operation that changes an agreed item's destination (ARCHITECTURE.md).
    "revise": ({R.AGREED}, R.PROPOSED, TEAM),
    "ask_not_applicable": ({R.PROPOSED, R.AGREED}, R.NA_REQUESTED, TEAM),
    "approve_not_applicable": ({R.NA_REQUESTED}, R.NOT_APPLICABLE, NOT_THE_ASKER),
    "refuse_not_applicable": ({R.NA_REQUESTED}, R.PROPOSED, NOT_THE_ASKER),
}

T = Turnaround.State
TURNAROUND: Table = {
    "draft_plan": ({T.DIAGNOSIS}, T.PLAN_DRAFTED, TEAM),
    "approve_plan": ({T.PLAN_DRAFTED}, T.PLAN_APPROVED, PANEL),  # nobody approves their own plan
    "return_plan": ({T.PLAN_DRAFTED}, T.DIAGNOSIS, PANEL),
    "implement": ({T.PLAN_APPROVED}, T.IMPLEMENTING, TEAM),
    "review": ({T.IMPLEMENTING}, T.REVIEW, TEAM),
    "continue_implementing": ({T.REVIEW}, T.IMPLEMENTING, TEAM),  # "review (repeats)"
    # A plan changed after approval goes back to the panel (ARCHITECTURE.md: approval binds).
    "resubmit_plan": ({T.PLAN_APPROVED, T.IMPLEMENTING, T.REVIEW}, T.PLAN_DRAFTED, TEAM),
    "stabilise": ({T.REVIEW}, T.STABILISED, TEAM),
    "exit": ({T.STABILISED}, T.EXITED, TEAM),
}

G = Grant.State
GRANT: Table = {
    # Nobody approves their own grant. The scene's grants come to less than
    # LIFEBOAT_GRANT_PANEL_THRESHOLD, so anyone on the team or the panel but the requester may
    # (anchors §5.3: "approvals over a threshold need the panel"; README and ARCHITECTURE.md say
    # the same). Above it, only the panel: test_a_grant_above_the_threshold_needs_the_panel.
    "approve": ({G.REQUESTED}, G.APPROVED, NOT_THE_ASKER),
    "refuse": ({G.REQUESTED}, G.REFUSED, NOT_THE_ASKER),
    "pay": ({G.APPROVED, G.PAYING}, G.PAYING, TEAM),  # "tranche paid …" (repeats)
    "monitor": ({G.PAYING}, G.MONITORED, TEAM),
    "close": ({G.MONITORED}, G.CLOSED, TEAM),
    "withdraw": ({G.APPROVED}, G.WITHDRAWN, TEAM | PANEL),  # no longer needed, nothing paid
    "claw_back": ({G.APPROVED, G.PAYING, G.MONITORED}, G.CLAWED_BACK, PANEL),
}
ABOVE_THE_THRESHOLD = {"approve": PANEL, "refuse": PANEL}

P = Tranche.State
TRANCHE: Table = {
    "release": ({P.PLANNED}, P.PAID, TEAM),  # only against its milestone's evidence (a guard)
}

N = Interim.State
INTERIM: Table = {
    "agree_brief": ({N.NEED_IDENTIFIED}, N.BRIEF_AGREED, PANEL),  # the brief and its budget
    "source": ({N.BRIEF_AGREED}, N.SOURCING, TEAM),
    "match": ({N.SOURCING}, N.MATCHED, TEAM),
    "contract": ({N.MATCHED}, N.CONTRACTED, TEAM),
    "start_placement": ({N.CONTRACTED}, N.IN_POST, TEAM),
    "review": ({N.IN_POST}, N.REVIEW, TEAM),
    "continue_placement": ({N.REVIEW}, N.IN_POST, TEAM),  # "review (repeats)"
    "hand_over": ({N.REVIEW}, N.HANDOVER, TEAM),
    "end": ({N.HANDOVER}, N.ENDED, TEAM),
}

# machine -> (model, table, the scene's object to ask about)
MACHINES: dict[str, tuple[Any, Table, Any]] = {
    "case": (Case, CASE, lambda s: s["case"]),
    "closure": (Closure, CLOSURE, lambda s: s["closure"]),
    "register item": (RegisterItem, ITEM, lambda s: s["item"]),
    "turnaround": (Turnaround, TURNAROUND, lambda s: s["turnaround_case"].pathway_record),
    "grant": (Grant, GRANT, lambda s: s["grant_requested"]),
    "tranche": (Tranche, TRANCHE, lambda s: s["tranche"]),
    "interim": (Interim, INTERIM, lambda s: s["interim_case"].pathway_record),
}
MOVES = [(machine, name) for machine, (_, table, _) in MACHINES.items() for name in table]


@pytest.mark.parametrize("machine", MACHINES)
def test_the_machine_declares_exactly_the_tables_moves(machine):
    model, table, _ = MACHINES[machine]
    assert declared_moves(model) == table_moves(table)


@pytest.fixture(scope="module")
def lifeboat_extras(shared_scene: dict[str, Any], cast: dict[str, Any]) -> dict[str, Any]:
    """The colleague, the panel member on the team and the other caseworker, once for the module."""
    hub = cast["hub"]

    def person(name: str, *roles: str) -> Any:
        someone = UserFactory(full_name=name)
        for role in roles:
            MembershipFactory(person=someone, organisation=hub, role=role)
        return someone

    extras = {
        "colleague": person("Col League", "caseworker"),
        "panel_on_team": person("Pat Panel-Team", "panel_member"),
        "other_caseworker": person("Oli Other", "caseworker"),
    }
    # Only open_case sets a team, and the scene's cases were opened without one.
    for key in ("case", "closing_case", "turnaround_case", "interim_case"):
        shared_scene[key].team.add(extras["colleague"], extras["panel_on_team"])
    cw.move_item(shared_scene["item"], "ask_not_applicable", by=cast["caseworker"], reason="The club has closed.")
    return extras


@pytest.fixture
def people(request, lifeboat_extras):
    """Everyone in the cast and the extras, read afresh for this test."""
    cast = {name: request.getfixturevalue(name) for name in ROLE_FIXTURES}
    return cast | {name: type(p).objects.get(pk=p.pk) for name, p in lifeboat_extras.items()}


def test_the_scene_is_as_the_tables_assume(scene, people):
    case = scene["case"]
    assert (case.owner, case.triaged_by) == (people["caseworker"], people["caseworker"])
    assert scene["grant_requested"].requested_by == people["caseworker"]
    assert not scene["grant_requested"].needs_panel
    assert (scene["item"].state, scene["item"].na_requested_by) == (R.NA_REQUESTED, people["caseworker"])
    assert set(ROLE_FIXTURES) | set(EXTRAS) == set(people)


@pytest.mark.parametrize(("machine", "name"), MOVES)
def test_who_may_make_each_move(machine, name, scene, people):
    _, table, pick = MACHINES[machine]
    sources, _, allowed = table[name]
    assert who_may(pick(scene), name, people) == {str(source): allowed for source in sources}


@pytest.mark.parametrize("name", sorted(ABOVE_THE_THRESHOLD))
def test_a_grant_above_the_threshold_needs_the_panel(name, scene, people, settings):
    settings.LIFEBOAT_GRANT_PANEL_THRESHOLD = 0
    grant = scene["grant_requested"]
    assert grant.needs_panel
    assert who_may(grant, name, people) == {G.REQUESTED: ABOVE_THE_THRESHOLD[name]}
