"""The factories build valid rows in the states their traits name, fast enough for unit tests of
one model's rules (tests/scenes.py builds worlds through the workflow instead)."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.unit


@pytest.mark.django_db
@pytest.mark.parametrize(
    "factory",
    [
        factories.ReviewFactory,
        factories.AssignmentFactory,
        factories.ReferralFactory,
        factories.CaseFactory,
        factories.TaskFactory,
        factories.TurnaroundFactory,
        factories.GrantFactory,
        factories.ClosureFactory,
        factories.RegisterItemFactory,
    ],
)
def test_every_factory_builds_a_valid_row(factory):
    row = factory()
    saved = type(row).objects.get(pk=row.pk)  # state fields are protected: no full_clean on them
    assert str(saved)


@pytest.mark.django_db
def test_traits_give_the_predicates_the_pages_read():
    assert factories.ReviewFactory(state="moderation").moderation_is_open
    assert not factories.ReviewFactory(state="scoping").moderation_is_open
    assert factories.CaseFactory(state="triage").takes_health_check
    assert factories.CaseFactory(on_turnaround=True).is_active
    grant = factories.GrantFactory()
    assert grant.awaits_approval and grant.case == grant.turnaround.case
    assert not factories.RegisterItemFactory().is_resolved
