"""The turnaround and interim demo: a case in every state of both pathways, built through the workflow."""

import pytest

from casework.models import Grant, Interim, Tranche, Turnaround
from core import audit
from demo import casework as demo
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration


def test_seed_pathways_reaches_every_state(caseworker, panel_member):
    organisations = [OrganisationFactory() for _ in range(3)]
    demo.seed_pathways(caseworker=caseworker, panel=panel_member, organisations=organisations)
    assert set(Turnaround.objects.values_list("state", flat=True)) == set(Turnaround.State.values)
    assert set(Interim.objects.values_list("state", flat=True)) == set(Interim.State.values)
    grant_states = set(Grant.objects.values_list("state", flat=True))
    assert {"requested", "paying", "clawed_back", "closed", "refused"} <= grant_states
    assert Tranche.objects.filter(state="paid").count() >= 3
    assert audit.verify()[1] is None
