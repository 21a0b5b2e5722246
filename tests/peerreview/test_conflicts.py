import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from organisations.models import Borough
from peerreview import conflicts, workflow
from peerreview.models import Assignment
from tests.factories import ConflictDeclarationFactory, MembershipFactory

pytestmark = pytest.mark.unit


def kinds(person, review):
    return [c.kind for c in conflicts.check(person, review)]


def test_no_conflict_for_a_reviewer_from_elsewhere(review, reviewer):
    assert kinds(reviewer, review) == []


def test_own_organisation(review, reviewed_org):
    person = MembershipFactory(organisation=reviewed_org, role="reviewer").person
    assert "own_organisation" in kinds(person, review)


def test_membership_in_the_last_years(review, reviewed_org, reviewer, settings):
    today = timezone.localdate()
    MembershipFactory(
        person=reviewer,
        organisation=reviewed_org,
        role="contact",
        starts_on=today.replace(year=today.year - 4),
        ends_on=today.replace(year=today.year - 2),
    )
    assert kinds(reviewer, review) == ["recent_membership"]
    settings.PEER_REVIEW_CONFLICT_YEARS = 1
    assert kinds(reviewer, review) == []


def test_declared_conflict(review, reviewed_org, reviewer):
    ConflictDeclarationFactory(person=reviewer, organisation=reviewed_org, kind="consortium", reason="Joint contract")
    assert kinds(reviewer, review) == ["declared"]
    assert "Joint contract" in conflicts.check(reviewer, review)[0].detail


def test_same_borough_is_configurable(review, reviewed_org, reviewer_org, reviewer, settings):
    camden = Borough.objects.get(ons_code="E09000007")
    reviewed_org.boroughs.add(camden)
    reviewer_org.boroughs.add(camden)
    assert kinds(reviewer, review) == ["same_borough"]
    settings.PEER_REVIEW_SAME_BOROUGH_CONFLICT = False
    assert kinds(reviewer, review) == []


def test_yearly_cap(review, reviewer, coordinator, published_version, settings):
    settings.PEER_REVIEW_YEARLY_CAP = 2
    from tests.factories import OrganisationFactory

    for _ in range(2):
        other = workflow.create_review(OrganisationFactory(), published_version, by=coordinator)
        Assignment.objects.create(review=other, reviewer=reviewer, state="accepted")
    assert kinds(reviewer, review) == ["yearly_cap"]


def test_invitation_with_a_conflict_needs_a_coordinators_waiver(review, reviewed_org, reviewer, coordinator):
    ConflictDeclarationFactory(person=reviewer, organisation=reviewed_org, kind="consortium", reason="Joint bid.")
    with pytest.raises(ValidationError, match="Conflict"):
        workflow.invite_reviewer(review, reviewer, by=coordinator)
    assert not Assignment.objects.exists()
    assignment = workflow.invite_reviewer(review, reviewer, by=coordinator, waiver_reason="The bid ended; no overlap.")
    assert (assignment.waived_by, assignment.conflicts_found[0]["kind"]) == (coordinator, "declared")
    event = AuditEvent.objects.get(action="invite")
    assert (event.actor, event.reason) == (coordinator, "The bid ended; no overlap.")


def test_a_reviewer_can_never_waive_or_invite(review, reviewed_org, reviewer):
    ConflictDeclarationFactory(person=reviewer, organisation=reviewed_org)
    with pytest.raises(PermissionDenied):
        workflow.invite_reviewer(review, reviewer, by=reviewer, waiver_reason="It's fine, honestly.")


def test_a_coordinator_cannot_waive_their_own_conflict(review, reviewed_org, coordinator):
    MembershipFactory(
        person=coordinator,
        organisation=reviewed_org,
        role="reviewer",
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    with pytest.raises(PermissionDenied):
        workflow.invite_reviewer(review, coordinator, by=coordinator, waiver_reason="I am impartial.")


def test_only_people_with_a_reviewer_role_are_invited(review, coordinator, outsider):
    with pytest.raises(ValidationError, match="peer reviewer role"):
        workflow.invite_reviewer(review, outsider, by=coordinator)


def test_declined_invitation_keeps_its_reason_and_can_be_reinstated(review, reviewer, coordinator):
    assignment = workflow.invite_reviewer(review, reviewer, by=coordinator)
    assignment = workflow.decline_assignment(assignment, by=reviewer, reason="On leave that month.")
    assert (assignment.state, assignment.decline_reason) == ("declined", "On leave that month.")
    with pytest.raises(ValidationError):
        workflow.move_assignment(assignment, "reinstate", by=coordinator)  # reason required
    assignment = workflow.move_assignment(assignment, "reinstate", by=coordinator, reason="Leave moved.")
    assert assignment.state == "invited"


def test_a_second_person_cannot_accept_someone_elses_invitation(review, reviewer, lead_reviewer, coordinator):
    assignment = workflow.invite_reviewer(review, reviewer, by=coordinator)
    with pytest.raises(PermissionDenied):
        workflow.accept_assignment(assignment, by=lead_reviewer, declaration=True)
    with pytest.raises(ValidationError):
        workflow.accept_assignment(assignment, by=reviewer, declaration=False)
