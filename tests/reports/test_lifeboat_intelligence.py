"""Lifeboat intelligence: pipeline, outcomes and what closures passed on, checked against figures
computed independently from the rows; small groups suppressed for funders."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import workflow
from casework.models import Case
from reports import analytics
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration
TODAY = timezone.localdate()


@pytest.fixture
def closed_case(caseworker, panel_member, reviewed_org, reviewer_org):
    case = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org).case
    scenes.closure_dissolved(
        case.closure,
        caseworker=caseworker,
        panel_member=panel_member,
        destination=reviewer_org,
        funder=OrganisationFactory(),
    )
    workflow.record_outcome(case, by=caseworker, outcome="closed_orderly", note="Passed on")
    case = workflow.move_case(Case.objects.get(pk=case.pk), "propose_closure", by=caseworker)
    return workflow.move_case(case, "close", by=panel_member)


def test_pipeline_outcomes_and_redeployed_match_the_rows(closed_case, caseworker, reviewer_org):
    scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewer_org)
    pipeline = analytics.lifeboat_pipeline(analytics.Filters())
    as_dict = {(r.pathway, r.state): r.cases for r in pipeline.itertuples()}
    assert as_dict[("Orderly closure", "Closed")] == 1
    assert as_dict[("Not chosen yet", "Awaiting the panel's decision")] == 1
    assert pipeline["cases"].sum() == Case.objects.count()

    outcomes = analytics.lifeboat_outcomes(analytics.Filters())
    assert list(outcomes["outcome"]) == ["Closed in an orderly way, services passed on"]
    assert list(outcomes["cases"]) == [1]

    redeployed = analytics.lifeboat_redeployed(analytics.Filters())
    rows = {(r.register, r.where_it_went): (r.items, r.value_gbp) for r in redeployed.itertuples()}
    # the scene: a service and equipment transferred, a restricted fund of £4,000 returned, the bank closed
    assert rows[("Services", "Transferred to another organisation")] == (1, 0.0)
    assert rows[("Funds", "Returned to the funder")] == (1, float(Decimal("4000")))
    assert rows[("Assets", "Closed")][0] == 1


def test_funders_see_the_lifeboat_tables_suppressed(closed_case, funder, client_for):
    page = client_for(funder).get(reverse("reports:intelligence")).content.decode()
    assert "Lifeboat cases by pathway and state" in page
    assert "fewer than 5" in page
    csv_text = client_for(funder).get(reverse("reports:intelligence-download", args=["redeployed", "csv"])).content
    assert b"4000" not in csv_text  # a group of one is never shown to a funder
