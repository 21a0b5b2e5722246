"""Every review transition from every state, and every role against every transition.

The tables here are written from DESIGN.md and the anchors, independently of the model, so a
change to the state machine that the design does not mention fails here."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.workflow import TransitionNotAllowed, may, transition
from peerreview.models import Assignment, Review

pytestmark = pytest.mark.unit

S = Review.State
BEFORE_PUBLICATION = {
    S.SCOPING,
    S.SELF_ASSESSMENT,
    S.DESK_REVIEW,
    S.VISIT,
    S.MODERATION,
    S.QUALITY_ASSURANCE,
    S.RIGHT_OF_REPLY,
    S.REPLY_CONSIDERATION,
    S.OUTCOME_DECIDED,
    S.ON_HOLD,
    S.REOPENED,
}
SOURCES = {
    "start_self_assessment": {S.SCOPING},
    "start_desk_review": {S.SELF_ASSESSMENT},
    "plan_visit": {S.DESK_REVIEW},
    "skip_visit": {S.DESK_REVIEW},
    "start_moderation": {S.VISIT},
    "submit_for_quality_assurance": {S.MODERATION},
    "return_to_moderation": {S.QUALITY_ASSURANCE},
    "issue_draft": {S.QUALITY_ASSURANCE},
    "consider_replies": {S.RIGHT_OF_REPLY},
    "decide_outcome": {S.REPLY_CONSIDERATION},
    "publish": {S.OUTCOME_DECIDED},
    "start_action_planning": {S.PUBLISHED},
    "accept_action_plan": {S.ACTION_PLANNING},
    "start_progress_review": {S.MONITORING},
    "close": {S.PROGRESS_REVIEW},
    "hold": {S.SCOPING, S.SELF_ASSESSMENT, S.DESK_REVIEW},
    "resume": {S.ON_HOLD},
    "withdraw": BEFORE_PUBLICATION,
    "cancel": BEFORE_PUBLICATION,
    # The appeal window stays open whatever the review has moved on to.
    "appeal": {S.PUBLISHED, S.ACTION_PLANNING, S.MONITORING, S.PROGRESS_REVIEW, S.CLOSED},
    "dismiss_appeal": {S.APPEAL},
    "uphold_appeal": {S.APPEAL},
    "reopen": {S.PUBLISHED, S.ACTION_PLANNING, S.MONITORING},
    "remoderate": {S.REOPENED},
}
# Who may make each move (permission only; guards are tested elsewhere). "lead" is the panel lead,
# "peer" another panel member, "contact" the reviewed organisation's contact, "quality_panel" a
# quality panel member with no place on this review, "appeals" an appeals group member with no
# earlier part. Peers decide; the hub (coordinator, administrator) decides no judgement.
MAY = {
    "start_self_assessment": {"coordinator", "administrator"},
    "start_desk_review": {"coordinator", "administrator"},
    "plan_visit": {"lead", "coordinator", "administrator"},
    "skip_visit": {"lead", "coordinator", "administrator"},
    "start_moderation": {"lead", "coordinator", "administrator"},
    "submit_for_quality_assurance": {"lead", "coordinator", "administrator"},
    "return_to_moderation": {"quality_panel"},
    "issue_draft": {"quality_panel"},
    "consider_replies": {"contact", "coordinator", "administrator"},
    "decide_outcome": {"quality_panel"},
    "publish": {"coordinator", "administrator"},
    "start_action_planning": {"contact", "coordinator", "administrator"},
    "accept_action_plan": {"coordinator", "administrator"},
    "start_progress_review": {"coordinator", "administrator"},
    "close": {"coordinator", "administrator"},
    "hold": {"coordinator", "administrator"},
    "resume": {"coordinator", "administrator"},
    "withdraw": {"contact"},
    "cancel": {"coordinator", "administrator"},
    "appeal": {"contact"},
    "dismiss_appeal": {"appeals"},
    "uphold_appeal": {"appeals"},
    "reopen": {"coordinator", "administrator"},
    "remoderate": {"coordinator", "administrator"},
}


def test_the_tables_cover_every_transition():
    names = {t.name for t in Review(state=S.SCOPING).get_all_state_transitions()}
    assert names == set(SOURCES) == set(MAY)


@pytest.fixture
def make_review(reviewed_org, coordinator, published_version):
    def make(state):
        return Review.objects.create(
            organisation=reviewed_org,
            framework_version=published_version,
            coordinator=coordinator,
            state=state,
            held_from=S.SCOPING,
        )

    return make


@pytest.fixture
def actor_for(administrator, contact, quality_panel_member, appeals_member):
    def actor(name):
        who = {"quality_panel": quality_panel_member, "appeals": appeals_member, "contact": contact}
        return next((who[r] for r in MAY[name] if r in who), administrator)

    return actor


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_transition_from_every_state(name, make_review, actor_for):
    actor = actor_for(name)
    for state in S:
        review = make_review(state)
        try:
            transition(review, name, by=actor, reason="Testing every state.")
        except TransitionNotAllowed as error:
            assert ("not possible while" in str(error)) == (state not in SOURCES[name]), (name, state, str(error))
        except (ValidationError, PermissionDenied) as error:
            raise AssertionError((name, state, error)) from error
        else:
            assert state in SOURCES[name], (name, state)


@pytest.fixture
def cast(
    coordinator,
    administrator,
    lead_reviewer,
    reviewer,
    contact,
    steward,
    funder,
    outsider,
    quality_panel_member,
    appeals_member,
):
    return {
        "quality_panel": quality_panel_member,
        "appeals": appeals_member,
        "coordinator": coordinator,
        "administrator": administrator,
        "lead": lead_reviewer,
        "peer": reviewer,
        "contact": contact,
        "steward": steward,
        "funder": funder,
        "outsider": outsider,
    }


@pytest.mark.parametrize("name", sorted(MAY))
def test_every_role_against_every_transition(name, make_review, cast):
    review = make_review(next(iter(SOURCES[name])))
    Assignment.objects.create(review=review, reviewer=cast["lead"], role="lead", state="accepted")
    Assignment.objects.create(review=review, reviewer=cast["peer"], role="peer", state="accepted")
    meta = getattr(Review, name)._django_fsm
    t = meta.get_transition(review.state)
    allowed = {role for role, person in cast.items() if may(t, review, person)}
    assert allowed == MAY[name]


def test_quality_assurance_must_be_independent_of_the_panel(make_review, quality_panel_member):
    review = make_review(S.QUALITY_ASSURANCE)
    Assignment.objects.create(review=review, reviewer=quality_panel_member, role="peer", state="accepted")
    with pytest.raises(PermissionDenied):
        transition(review, "issue_draft", by=quality_panel_member)
    assert Review.objects.get(pk=review.pk).state == S.QUALITY_ASSURANCE


def test_quality_panel_member_with_a_conflict_cannot_assure(make_review, quality_panel_member, reviewed_org):
    from tests.factories import ConflictDeclarationFactory

    review = make_review(S.QUALITY_ASSURANCE)
    ConflictDeclarationFactory(person=quality_panel_member, organisation=reviewed_org, kind="consortium")
    with pytest.raises(PermissionDenied):
        transition(review, "issue_draft", by=quality_panel_member)


def test_quality_panel_term_that_ended_gives_no_power(make_review, quality_panel_member):
    from django.utils import timezone

    from organisations.models import Membership

    term = Membership.objects.get(person=quality_panel_member, role="quality_panel")
    term.ends_on = timezone.localdate()
    term.save()
    quality_panel_member = type(quality_panel_member).objects.get(pk=quality_panel_member.pk)
    with pytest.raises(PermissionDenied):
        transition(make_review(S.QUALITY_ASSURANCE), "issue_draft", by=quality_panel_member)
