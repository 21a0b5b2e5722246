import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from organisations.models import Membership
from standards.queries import frameworks_visible_to, versions_visible_to
from tests.conftest import ROLE_FIXTURES
from tests.factories import FrameworkFactory, FrameworkVersionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.unit

ROLES = [*ROLE_FIXTURES, "other_steward", "anonymous"]

# Who, beyond everyone, may read a draft; who manages (and answers for) a framework owned by `hub`;
# who takes part in consultations.
READS_DRAFTS = {"steward", "administrator", "coordinator"}
MANAGERS = {"steward", "administrator"}
CONSULTEES = {
    "participant",
    "contact",
    "reviewer",
    "lead_reviewer",
    "funder",
    "steward",
    "coordinator",
    "other_steward",
    # The standing panels are peers who are also reviewers at their own CVS: they comment as reviewers.
    "quality_panel_member",
    "appeals_member",
}

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)
STATES = {
    # name: (state, opens, closes, closed early)
    "draft": ("draft", None, None, None),
    "consultation open": ("consultation", TODAY - DAY, TODAY + DAY, None),
    "consultation not open yet": ("consultation", TODAY + DAY, TODAY + 9 * DAY, None),
    "consultation past its dates": ("consultation", TODAY - 9 * DAY, TODAY - DAY, None),
    "consultation closed early": ("consultation", TODAY - DAY, TODAY + DAY, TODAY),
    "published": ("published", TODAY - 90 * DAY, TODAY - 60 * DAY, None),
    "retired": ("retired", TODAY - 900 * DAY, TODAY - 860 * DAY, None),
}


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=timezone.get_current_timezone()))


def person(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def version_in(framework, name, number=1):
    state, opens, closes, closed_early = STATES[name]
    return FrameworkVersionFactory(
        framework=framework,
        number=number,
        state=state,
        consultation_opens_on=opens,
        consultation_closes_on=closes,
        consultation_closed_early_on=closed_early,
    )


def expected(perm: str, role: str, state: str) -> bool:
    return {
        "standards.view_frameworkversion": state == "draft" and role in READS_DRAFTS or state != "draft",
        "standards.manage_frameworkversion": role in MANAGERS,
        "standards.comment_frameworkversion": state == "consultation open" and role in CONSULTEES,
        "standards.answer_comment": role in MANAGERS,
    }[perm]


PERMS = [
    "standards.view_frameworkversion",
    "standards.manage_frameworkversion",
    "standards.comment_frameworkversion",
    "standards.answer_comment",
]


@pytest.mark.parametrize("role", ROLES)
def test_permissions_by_role_and_state(request, hub, role):
    """Every permission on a version in every state; one test per role keeps the database work small."""
    user = person(request, role)
    framework = FrameworkFactory(owners=[hub])
    versions = {state: version_in(framework, state, number) for number, state in enumerate(STATES, start=1)}
    got = {state: {perm: user.has_perm(perm, version) for perm in PERMS} for state, version in versions.items()}
    assert got == {state: {perm: expected(perm, role, state) for perm in PERMS} for state in STATES}


@pytest.mark.parametrize("role", ROLES)
def test_framework_permissions_by_role(request, hub, role):
    user = person(request, role)
    framework = FrameworkFactory(owners=[hub])
    assert user.has_perm("standards.view_framework", framework)
    assert user.has_perm("standards.add_framework") is (role in {"steward", "other_steward", "administrator"})
    assert user.has_perm("standards.change_framework", framework) is (role in MANAGERS)


# --- the list-side twin ---------------------------------------------------------------------------


@pytest.fixture
def former_steward(hub):
    user = UserFactory(full_name="Fred Former")
    MembershipFactory(
        person=user,
        organisation=hub,
        role=Membership.Role.STEWARD,
        starts_on=TODAY - 400 * DAY,
        ends_on=TODAY - DAY,
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(full_name="Sue Super", is_superuser=True)


@pytest.fixture
def inactive_steward(hub):
    user = UserFactory(full_name="Ian Inactive", is_active=False)
    MembershipFactory(person=user, organisation=hub, role=Membership.Role.STEWARD)
    return user


@pytest.fixture
def every_version(hub, other_org):
    """Each state of a framework owned by `hub`, a draft owned by `other_org`, and an ownerless draft."""
    owned = FrameworkFactory(name="hub's", owners=[hub])
    versions = [version_in(owned, name, number) for number, name in enumerate(STATES, start=1)]
    jointly = FrameworkFactory(name="joint", owners=[hub, other_org])  # two owners must not duplicate rows
    versions += [version_in(jointly, "draft"), version_in(jointly, "published", 2)]
    versions.append(version_in(FrameworkFactory(name="other's", owners=[other_org]), "draft"))
    versions.append(version_in(FrameworkFactory(name="nobody's"), "draft"))
    return versions


@pytest.mark.parametrize("role", [*ROLES, "former_steward", "superuser", "inactive_steward"])
def test_versions_visible_to_agrees_with_the_view_permission(request, every_version, role):
    user = person(request, role)
    visible = list(versions_visible_to(user))
    assert len(visible) == len(set(visible))  # no duplicates from the owners join
    by_rule = {v for v in every_version if user.has_perm("standards.view_frameworkversion", v)}
    assert set(visible) == by_rule

    # And both say what we mean: everyone reads what has left draft; drafts only for those who run them.
    drafts = {v for v in every_version if v.state == "draft"}
    readable_drafts = {v.framework.name for v in drafts & by_rule}
    assert readable_drafts == {
        "administrator": {"hub's", "joint", "other's", "nobody's"},
        "coordinator": {"hub's", "joint", "other's", "nobody's"},
        "superuser": {"hub's", "joint", "other's", "nobody's"},
        "steward": {"hub's", "joint"},
        "inactive_steward": {"hub's", "joint"},  # cannot sign in; the rule and the query still agree
        "other_steward": {"joint", "other's"},
    }.get(role, set())
    assert set(every_version) - drafts <= by_rule

    # Frameworks: those with a version the person may read; all of them for hub staff who run them.
    frameworks = list(frameworks_visible_to(user))
    assert len(frameworks) == len(set(frameworks))
    everything = {v.framework for v in every_version}
    if role in {"administrator", "coordinator", "superuser"}:
        assert set(frameworks) == everything
    else:
        assert set(frameworks) == {v.framework for v in by_rule}
