"""The cast: one signed-in person per role, plus an outsider with no role at all."""

from __future__ import annotations

import importlib

import pytest
from django.core.management.commands import flush
from django.test import Client

from core import audit
from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

Role = Membership.Role


_flush_handle = flush.Command.handle


def _flush_in_maintenance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush (DELETE on SQLite), which the append-only trigger refuses
    # unless our own connection opens a maintenance block. Nothing else in the suite opens one.
    with audit.maintenance():
        result = _flush_handle(self, *args, **kwargs)
    _reload_legal_rules(kwargs.get("database", "default"))
    return result


def _reload_legal_rules(using: str) -> None:
    # The legal rules are reference data loaded by a data migration; a flush empties the table,
    # so the next test would find no law. Reload the migration's rows and forget the cached copy.
    from django.apps import apps as django_apps

    from casework import law

    loader = importlib.import_module("casework.migrations.0008_load_legal_rules")
    if using == "default":
        loader.load(django_apps, None)
    law.forget_rules()


flush.Command.handle = _flush_in_maintenance


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _legal_rules_read_afresh():
    # The rules table is cached per process; a test's rolled-back rows must not outlive it.
    from casework import law

    law.forget_rules()
    yield
    law.forget_rules()


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
