"""The cast: one signed-in person per role, plus an outsider with no role at all."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.core.management.commands import flush
from django.test import Client
from django.utils import timezone

from core import audit
from core.dates import years_after
from organisations.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

Role = Membership.Role


_flush_handle = flush.Command.handle


def _flush_in_maintenance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush (DELETE on SQLite), which the append-only trigger refuses
    # unless our own connection opens a maintenance block. Nothing else in the suite opens one.
    with audit.maintenance():
        result = _flush_handle(self, *args, **kwargs)
    _reload_reference_data(kwargs.get("database", "default"))
    return result


# Reference data loaded by data migrations: London's boroughs and the legal rules.
REFERENCE_DATA_MIGRATIONS = [
    "organisations.migrations.0002_london_boroughs",
    "casework.migrations.0008_load_legal_rules",
]


def _reload_reference_data(using: str) -> None:
    # A flush empties the reference tables too, so the next test would find no borough and no law.
    # Reload the migrations' rows and forget the cached copy of the law.
    from django.apps import apps as django_apps

    from casework import law

    if using == "default":
        for name in REFERENCE_DATA_MIGRATIONS:
            importlib.import_module(name).load(django_apps, None)
    law.forget_rules()


flush.Command.handle = _flush_in_maintenance


# What the migrations do besides making tables: the append-only trigger, the cache table, the
# reference data and the record of which migrations ran. `make test-sqlite` builds its database from the models (--nomigrations: seconds
# instead of about 40 s per worker), so those steps run here from the migrations' own code.
# The PostgreSQL pass migrates; tests/test_migrations.py covers what only SQLite would lose.
APPEND_ONLY_MIGRATION = "core.migrations.0003_audit_append_only"


def install_what_migrations_add(using: str = "default") -> None:
    from django.apps import apps as django_apps
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder
    from django.test import override_settings

    append_only = importlib.import_module(APPEND_ONLY_MIGRATION)
    forward = {"sqlite": append_only.SQLITE_FORWARD, "postgresql": append_only.POSTGRES_FORWARD}
    connection = connections[using]
    with connection.schema_editor() as editor:
        for sql in forward[connection.vendor]:
            editor.execute(sql)
    call_command("createcachetable", database=using, verbosity=0)
    for name in REFERENCE_DATA_MIGRATIONS:
        importlib.import_module(name).load(django_apps, None)
    with override_settings(MIGRATION_MODULES={}):  # read the migrations on disk, not the disabled set
        on_disk = MigrationLoader(None).disk_migrations
    recorder = MigrationRecorder(connection)
    for app_label, name in sorted(on_disk):
        recorder.record_applied(app_label, name)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):  # noqa: F811 - wraps pytest-django's
    if request.config.getoption("nomigrations"):
        with django_db_blocker.unblock():
            install_what_migrations_add()


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


def _hub() -> Organisation:
    return OrganisationFactory(name="The Hub", kind=Organisation.Kind.SPECIALIST_SUPPORT)


def _funder_org() -> Organisation:
    return OrganisationFactory(name="A Funder", kind=Organisation.Kind.FUNDER)


# The three organisations everyone belongs to.
PLACES = {
    "hub": _hub,  # employs coordinators, caseworkers and administrators
    "reviewed_org": lambda: OrganisationFactory(name="Reviewed CVS"),  # a CVS whose contact is `contact`
    "reviewer_org": lambda: OrganisationFactory(name="Reviewer CVS"),  # the reviewers' own CVS
}

# The cast: fixture name -> (role, where they hold it, name).
CAST = {
    "coordinator": (Role.COORDINATOR, "hub", "Cora Coordinator"),  # hub staff: sets up reviews, sees all peer review
    "reviewer": (Role.REVIEWER, "reviewer_org", "Rita Reviewer"),  # a peer reviewer from another CVS
    "lead_reviewer": (Role.LEAD_REVIEWER, "reviewer_org", "Len Lead"),  # the panel lead
    "contact": (Role.CONTACT, "reviewed_org", "Cleo Contact"),  # the reviewed organisation's contact
    "steward": (Role.STEWARD, "hub", "Stan Steward"),  # runs co-production of standards
    "participant": (Role.PARTICIPANT, "reviewed_org", "Pia Participant"),  # comments on draft standards
    "caseworker": (Role.CASEWORKER, "hub", "Cas Caseworker"),  # runs lifeboat cases
    "panel_member": (Role.PANEL_MEMBER, "hub", "Pam Panel"),  # approves pathways, grants and closure
    "funder": (Role.FUNDER_READER, _funder_org, "Fay Funder"),  # reads assessments of organisations it funds
    "administrator": (Role.ADMINISTRATOR, "hub", "Ada Admin"),  # users, organisations, reference data
}


def _person(role: str, organisation: Organisation, name: str):
    person = UserFactory(full_name=name, email=f"{name.lower().replace(' ', '.')}@example.org")
    MembershipFactory(person=person, organisation=organisation, role=role)
    return person


def _outsider():  # signed in, but holds no role anywhere
    return UserFactory(full_name="Otto Outsider", email="otto@example.org")


def build_cast() -> dict:
    """Everyone at once (for a scene shared by a whole module: tests/shared_scene.py)."""
    cast = {name: make() for name, make in PLACES.items()}
    for name, (role, where, full_name) in CAST.items():
        organisation = where() if callable(where) else cast[where]
        cast[name] = _person(role, organisation, full_name)
    for name, (role, full_name, organisation_name) in STANDING.items():
        cast[name] = _peer_on_standing_panel(role, full_name, organisation_name)
    cast["outsider"] = _outsider()
    return cast


def _place_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(db) -> Organisation:
        return PLACES[name]()

    return fixture


def _role_fixture(name: str, where: str | object):
    role, _, full_name = CAST[name]
    if callable(where):

        @pytest.fixture(name=name)
        def fixture(db):
            return _person(role, where(), full_name)

    else:

        @pytest.fixture(name=name)
        def fixture(db, request):
            # `db` named here, not only through `where`, so that pytest-django sees a database test
            # and runs it before the transactional tests, whose flush would otherwise precede it.
            return _person(role, request.getfixturevalue(where), full_name)

    return fixture


for _name in PLACES:
    globals()[_name] = _place_fixture(_name)
for _name, (_, _where, _) in CAST.items():
    globals()[_name] = _role_fixture(_name, _where)


@pytest.fixture
def outsider(db):  # signed in, but holds no role anywhere
    return _outsider()


def _peer_on_standing_panel(role: str, name: str, organisation_name: str):
    organisation = OrganisationFactory(name=organisation_name)
    person = _person(Role.REVIEWER, organisation, name)
    today = timezone.localdate()
    MembershipFactory(
        person=person,
        organisation=organisation,
        role=role,
        starts_on=today - datetime.timedelta(days=30),
        ends_on=years_after(today, 2),
    )
    return person


# Peers on the standing panels, each from a CVS of their own (fixture name -> role, name, CVS).
STANDING = {
    "quality_panel_member": (Role.QUALITY_PANEL, "Quinn Quality", "Quality Panel CVS"),  # QA, confirms outcomes
    "appeals_member": (Role.APPEALS_GROUP, "Abe Appeals", "Appeals Group CVS"),  # decides appeals
}


def _standing_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(db):
        return _peer_on_standing_panel(*STANDING[name])

    return fixture


for _name in STANDING:
    globals()[_name] = _standing_fixture(_name)


ROLE_FIXTURES = [*CAST, *STANDING, "outsider"]


@pytest.fixture(autouse=True)
def _signed_in_clients_passed_two_factor(monkeypatch):
    """Every test client signed in with force_login has passed the second factor too
    (organisations/two_factor.py), as if the person had typed a code: tests of other things then
    see the pages, not the two-factor step. tests/organisations/test_two_factor.py signs in through
    the real steps instead (with `Client.login`, which this leaves alone)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    original = Client.force_login

    def force_login(self, user, backend=None):  # type: ignore[no-untyped-def]
        original(self, user, backend)
        # The device alone (no code): the session records that it was used.
        device, _ = StaticDevice.objects.get_or_create(user=user, name="tests", defaults={"confirmed": True})
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def client_for():
    """A test client signed in as `person`."""

    def make(person) -> Client:
        c = Client()
        if person is not None:
            c.force_login(person, backend="organisations.backends.EmailBackend")
        return c

    return make
