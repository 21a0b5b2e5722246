"""The smaller review machines (assignment, finding, action) against tables written from DESIGN.md
("Smaller state machines inside it") and anchors/peer_review_anchors.md §7: each move's sources,
its target and who may make it. The review itself has its table in test_transitions.py.

The machine must declare exactly the table's moves, and on the module's scene (a review at desk
review built through the real workflow) exactly the table's people hold each move's permission.
"""

from __future__ import annotations

from typing import Any

import pytest

from peerreview.models import Action, Assignment, Finding
from tests.conftest import ROLE_FIXTURES
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.machines import Table, declared_moves, table_moves, who_may
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)

pytestmark = pytest.mark.integration

# Beyond tests/conftest.py's cast: a reviewer from another CVS who is not on this review's panel,
# and the contact of another organisation.
EXTRAS = ["other_reviewer", "other_contact"]

HUB = {"coordinator", "administrator"}  # facilitates; decides no judgement
QUALITY = {"quality_panel_member"}  # a peer not on the panel or the visit, with no conflict
ASSIGNEE = "assignee"  # the reviewer whose assignment it is

A = Assignment.State
ASSIGNMENT: Table = {
    "accept": ({A.INVITED}, A.ACCEPTED, {ASSIGNEE}),  # signing the declaration
    "decline": ({A.INVITED}, A.DECLINED, {ASSIGNEE}),
    "submit": ({A.ACCEPTED, A.RETURNED}, A.SUBMITTED, {ASSIGNEE}),
    # The lead sends work back (anchors §7), never their own; never the hub (issue #17).
    "return_for_work": ({A.SUBMITTED}, A.RETURNED, {"lead_reviewer"}),
    "reinstate": ({A.DECLINED}, A.INVITED, HUB),  # the coordinator builds the panel
    "replace": ({A.INVITED, A.ACCEPTED, A.RETURNED}, A.REPLACED, HUB),
}

F = Finding.State
FINDING: Table = {
    # Moderation: the panel's lead records it; the hub decides no judgement (issue #17).
    "agree": ({F.DRAFT}, F.AGREED, {"lead_reviewer"}),
    "challenge": ({F.AGREED}, F.CHALLENGED, {"contact"}),  # the organisation's reply
    # "Each challenge is accepted or rejected with a reason, decided by a peer not on the visit."
    "uphold": ({F.CHALLENGED}, F.UPHELD, QUALITY),
    "amend": ({F.CHALLENGED}, F.AMENDED, QUALITY),
    # DESIGN has "withdrawn" only as a challenge's outcome; the code also withdraws a draft, with
    # the same permission, so during moderation only a quality panel member may (reported).
    "withdraw": ({F.DRAFT, F.CHALLENGED}, F.WITHDRAWN, QUALITY),
    "finalise": ({F.AGREED, F.UPHELD, F.AMENDED}, F.FINAL, HUB),  # publishing what peers decided
}

X = Action.State
PLAN_OWNERS = {"contact"} | HUB  # the organisation owns its action plan; the hub may update it for them
ACTION: Table = {
    "agree": ({X.PROPOSED}, X.AGREED, HUB),
    "start": ({X.AGREED, X.SLIPPED}, X.IN_PROGRESS, PLAN_OWNERS),
    "slip": ({X.AGREED, X.IN_PROGRESS}, X.SLIPPED, PLAN_OWNERS),
    "complete": ({X.AGREED, X.IN_PROGRESS, X.SLIPPED}, X.DONE, PLAN_OWNERS),
    "drop": ({X.PROPOSED, X.AGREED, X.IN_PROGRESS, X.SLIPPED}, X.DROPPED, HUB),
    "verify": ({X.DONE}, X.VERIFIED, HUB),  # at the progress review, which the coordinator runs
}

MACHINES: dict[str, tuple[Any, Table]] = {
    "assignment": (Assignment, ASSIGNMENT),
    "finding": (Finding, FINDING),
    "action": (Action, ACTION),
}

# Where the code lets more people make a move than DESIGN.md does: pinned here so that the tests
# pass on today's code and fail when either side changes, and reported rather than fixed (a product
# rule). Remove an entry once the rule is settled.
CODE_ALSO_ALLOWS: dict[tuple[str, str], set[str]] = {}

# object on the scene -> (machine, how to find it, the role of its assignee)
OBJECTS: dict[str, tuple[str, Any, str | None]] = {
    "peer's assignment": (
        "assignment",
        lambda s, p: Assignment.objects.get(review=s["review"], reviewer=p["reviewer"]),
        "reviewer",
    ),
    "lead's own assignment": ("assignment", lambda s, p: s["lead_assignment"], "lead_reviewer"),
    "finding": ("finding", lambda s, p: s["finding"], None),
    "action": ("action", lambda s, p: s["action"], None),
}
MOVES = [(key, name) for key, (machine, _, _) in OBJECTS.items() for name in MACHINES[machine][1]]


def expected(machine: str, name: str, assignee: str | None) -> set[str]:
    allowed = {assignee if role == ASSIGNEE else role for role in MACHINES[machine][1][name][2]}
    if name == "return_for_work":
        allowed.discard(assignee)  # nobody returns their own work
    return allowed | CODE_ALSO_ALLOWS.get((machine, name), set())


@pytest.mark.parametrize("machine", MACHINES)
def test_the_machine_declares_exactly_the_tables_moves(machine):
    model, table = MACHINES[machine]
    assert declared_moves(model) == table_moves(table)


@pytest.fixture(scope="module")
def review_extras(shared_scene: dict[str, Any]) -> dict[str, Any]:
    """The other reviewer and the other organisation's contact, once for the module."""
    elsewhere = OrganisationFactory(name="Another CVS")
    extras = {}
    for name, full_name, role in [
        ("other_reviewer", "Ola Other-Reviewer", "reviewer"),
        ("other_contact", "Con Other-Contact", "contact"),
    ]:
        extras[name] = UserFactory(full_name=full_name)
        MembershipFactory(person=extras[name], organisation=elsewhere, role=role)
    return extras


@pytest.fixture
def people(request, review_extras):
    """Everyone in the cast and the extras, read afresh for this test."""
    cast = {name: request.getfixturevalue(name) for name in ROLE_FIXTURES}
    return cast | {name: type(p).objects.get(pk=p.pk) for name, p in review_extras.items()}


def test_the_scene_is_as_the_tables_assume(scene, people):
    assignments = {a.reviewer: (a.role, a.state) for a in scene["review"].assignments.all()}
    assert assignments == {people["lead_reviewer"]: ("lead", A.ACCEPTED), people["reviewer"]: ("peer", A.ACCEPTED)}
    assert (scene["finding"].author, scene["finding"].state) == (people["lead_reviewer"], F.DRAFT)
    assert people["contact"].has_role("contact", organisation=scene["review"].organisation_id)
    assert not people["other_contact"].has_role("contact", organisation=scene["review"].organisation_id)
    assert set(ROLE_FIXTURES) | set(EXTRAS) == set(people)


@pytest.mark.parametrize(("on", "name"), MOVES)
def test_who_may_make_each_move(on, name, scene, people):
    machine, pick, assignee = OBJECTS[on]
    obj = pick(scene, people)
    sources = MACHINES[machine][1][name][0]
    assert who_may(obj, name, people) == {str(source): expected(machine, name, assignee) for source in sources}
