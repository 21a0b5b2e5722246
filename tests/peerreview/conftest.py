"""A published framework and the people a review needs, built through the real workflow."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from organisations.models import Membership
from peerreview import workflow
from tests import scenes
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def published_version(steward, hub, participant):
    return scenes.published_version(steward=steward, owner=hub, commenter=participant)


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
