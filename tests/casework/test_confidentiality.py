"""Cases must not leak: outside the team, the panel and administrators they do not exist."""

import pytest
from django.urls import reverse

from casework import queries
from tests import scenes
from tests.factories import MembershipFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def cases(caseworker, reviewed_org, reviewer_org):
    mine = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    other_worker = MembershipFactory(role="caseworker").person
    theirs = scenes.case_awaiting_decision(caseworker=other_worker, organisation=reviewer_org)["case"]
    return mine, theirs, other_worker


def test_lists_show_exactly_what_each_person_may_see(
    cases, caseworker, panel_member, administrator, funder, coordinator
):
    mine, theirs, other = cases
    assert list(queries.cases_visible_to(caseworker)) == [mine]
    assert list(queries.cases_visible_to(other)) == [theirs]
    assert set(queries.cases_visible_to(panel_member)) == {mine, theirs}
    assert set(queries.cases_visible_to(administrator)) == {mine, theirs}
    assert list(queries.cases_visible_to(funder)) == []
    assert list(queries.cases_visible_to(coordinator)) == []


def test_another_caseworker_gets_404_and_no_trace(cases, client_for):
    mine, theirs, other = cases
    client = client_for(other)
    assert client.get(reverse("casework:case-detail", args=[mine.pk])).status_code == 404
    page = client.get(reverse("casework:case-list")).content.decode()
    assert mine.organisation.name not in page.split("Cases</h2>")[1]


@pytest.mark.parametrize("role", ["funder", "coordinator", "contact", "outsider"])
def test_people_outside_lifeboat_never_see_a_case(cases, role, request, client_for):
    mine, _, _ = cases
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("casework:case-detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("home")).content.decode().count(mine.organisation.name + " (lifeboat") == 0
