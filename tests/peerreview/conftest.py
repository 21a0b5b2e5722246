"""A published framework and the people a review needs, built through the real workflow."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from organisations.models import Membership
from peerreview import workflow
from standards import workflow as standards_workflow
from tests.factories import MembershipFactory, UserFactory
from tests.scenes import standards_scene


@pytest.fixture
def published_version(steward, hub, participant):
    scene = standards_scene(steward=steward, owner=hub, commenter=participant)
    version = scene["version"]
    standards_workflow.close_consultation_early(version, by=steward, reason="Enough")
    standards_workflow.answer_comment(scene["comment"], by=steward, answer="accepted", response="Done.")
    return standards_workflow.publish_version(version, by=steward)


@pytest.fixture
def second_reviewer(reviewer_org):
    person = UserFactory(full_name="Sol Second", email="sol@example.org")
    MembershipFactory(person=person, organisation=reviewer_org, role=Membership.Role.REVIEWER)
    return person


@pytest.fixture
def review(coordinator, reviewed_org, published_version):
    return workflow.create_review(reviewed_org, published_version, by=coordinator, scope="Support for groups.")


@pytest.fixture
def no_borough_conflicts(settings):
    settings.PEER_REVIEW_SAME_BOROUGH_CONFLICT = False


def past(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)
