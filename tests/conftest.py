"""The cast: one signed-in person per role, plus an outsider with no role at all."""

from __future__ import annotations

import datetime

import pytest
from django.core.management.commands import flush
from django.test import Client
from django.utils import timezone

from core import audit
from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

Role = Membership.Role


_flush_handle = flush.Command.handle


def _flush_in_maintenance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush (DELETE on SQLite), which the append-only trigger refuses
    # unless our own connection opens a maintenance block. Nothing else in the suite opens one.
    with audit.maintenance():
        return _flush_handle(self, *args, **kwargs)


flush.Command.handle = _flush_in_maintenance


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hub(db) -> Organisation:  # the hub that employs coordinators, caseworkers and administrators
    return OrganisationFactory(name="The Hub", kind=Organisation.Kind.SPECIALIST_SUPPORT)


@pytest.fixture
def reviewed_org(db) -> Organisation:  # a CVS whose contact is `contact`
    return OrganisationFactory(name="Reviewed CVS")


@pytest.fixture
def reviewer_org(db) -> Organisation:  # the reviewers' own CVS
    return OrganisationFactory(name="Reviewer CVS")


def _person(role: str, organisation: Organisation, name: str):
    person = UserFactory(full_name=name, email=f"{name.lower().replace(' ', '.')}@example.org")
    MembershipFactory(person=person, organisation=organisation, role=role)
    return person


@pytest.fixture
def coordinator(hub):  # hub staff: sets up reviews, sees everything in peer review
    return _person(Role.COORDINATOR, hub, "Cora Coordinator")


@pytest.fixture
def reviewer(reviewer_org):  # a peer reviewer from another CVS
    return _person(Role.REVIEWER, reviewer_org, "Rita Reviewer")


@pytest.fixture
def lead_reviewer(reviewer_org):  # the panel lead
    return _person(Role.LEAD_REVIEWER, reviewer_org, "Len Lead")


@pytest.fixture
def contact(reviewed_org):  # the reviewed organisation's contact
    return _person(Role.CONTACT, reviewed_org, "Cleo Contact")


@pytest.fixture
def steward(hub):  # runs co-production of standards
    return _person(Role.STEWARD, hub, "Stan Steward")


@pytest.fixture
def participant(reviewed_org):  # comments on draft standards
    return _person(Role.PARTICIPANT, reviewed_org, "Pia Participant")


@pytest.fixture
def caseworker(hub):  # runs lifeboat cases
    return _person(Role.CASEWORKER, hub, "Cas Caseworker")


@pytest.fixture
def panel_member(hub):  # approves pathways, grants and closure
    return _person(Role.PANEL_MEMBER, hub, "Pam Panel")


@pytest.fixture
def funder(db):  # reads published assessments of organisations it funds
    return _person(
        Role.FUNDER_READER, OrganisationFactory(name="A Funder", kind=Organisation.Kind.FUNDER), "Fay Funder"
    )


@pytest.fixture
def administrator(hub):  # users, organisations, reference data
    return _person(Role.ADMINISTRATOR, hub, "Ada Admin")


def _peer_on_standing_panel(role: str, name: str, organisation_name: str):
    organisation = OrganisationFactory(name=organisation_name)
    person = _person(Role.REVIEWER, organisation, name)
    today = timezone.localdate()
    MembershipFactory(
        person=person,
        organisation=organisation,
        role=role,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today.replace(year=today.year + 2)
        if (today.month, today.day) != (2, 29)
        else today.replace(year=today.year + 2, day=28),
    )
    return person


@pytest.fixture
def quality_panel_member(db):  # an accredited peer from a third CVS with a term on the quality panel
    return _peer_on_standing_panel(Role.QUALITY_PANEL, "Quinn Quality", "Quality Panel CVS")


@pytest.fixture
def appeals_member(db):  # a peer from a fourth CVS with a term on the appeals group
    return _peer_on_standing_panel(Role.APPEALS_GROUP, "Abe Appeals", "Appeals Group CVS")


@pytest.fixture
def outsider(db):  # signed in, but holds no role anywhere
    return UserFactory(full_name="Otto Outsider", email="otto@example.org")


ROLE_FIXTURES = [
    "coordinator",
    "reviewer",
    "lead_reviewer",
    "contact",
    "steward",
    "participant",
    "caseworker",
    "panel_member",
    "funder",
    "administrator",
    "quality_panel_member",
    "appeals_member",
    "outsider",
]


@pytest.fixture
def client_for():
    """A test client signed in as `person`."""

    def make(person) -> Client:
        c = Client()
        if person is not None:
            c.force_login(person, backend="organisations.backends.EmailBackend")
        return c

    return make
