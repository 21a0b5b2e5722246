"""The published 360Giving file: only grants whose recipient consented, with location and planned dates."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import giving, pathways, workflow
from casework.models import Case, Grant
from core.models import AuditEvent
from organisations.models import Borough
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()


def _awarded_grant(caseworker, panel_member, organisation):
    record, milestone = scenes.approved_turnaround(caseworker=caseworker, panel=panel_member, organisation=organisation)
    grant = pathways.request_grant(
        record, by=caseworker, title="Finance system", purpose="A finance system", amount=Decimal("1000")
    )
    grant = pathways.approve_grant(grant, by=panel_member, declaration="none")
    return record, milestone, grant


def _published(client):
    response = client.get(reverse("casework:grant-export-all"))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_only_grants_whose_recipient_consented_are_published(
    caseworker, panel_member, reviewed_org, reviewer_org, client_for
):
    _, _, hidden = _awarded_grant(caseworker, panel_member, reviewed_org)
    record, _, shown = _awarded_grant(caseworker, panel_member, reviewer_org)
    assert _published(client_for(panel_member)) == []
    case = Case.objects.get(pk=record.case_id)
    workflow.record_funder_consent(
        case, by=caseworker, funders=[], consent_on=TODAY, note="Board minute 12", publish_grants=True
    )
    rows = _published(client_for(panel_member))
    assert [r["Identifier"].rsplit("-", 1)[1] for r in rows] == [str(shown.pk)]
    assert reviewed_org.name not in {r["Recipient Org:Name"] for r in rows}
    event = AuditEvent.objects.filter(action="funder_consent").latest("pk")
    assert event.payload["grants_publishable"] == [False, True]
    # Withdrawn consent takes the grant out again.
    workflow.record_funder_consent(
        Case.objects.get(pk=case.pk), by=caseworker, funders=[], consent_on=None, note="Withdrawn by email"
    )
    assert _published(client_for(panel_member)) == []
    assert hidden.state in Grant.AWARDED


def test_publication_consent_needs_its_date(caseworker, panel_member, reviewed_org):
    from django.core.exceptions import ValidationError

    record, _, _ = _awarded_grant(caseworker, panel_member, reviewed_org)
    with pytest.raises(ValidationError, match="date the organisation consented"):
        workflow.record_funder_consent(
            record.case, by=caseworker, funders=[], consent_on=None, note="Said yes", publish_grants=True
        )
    assert Case.objects.get(pk=record.case_id).grants_publishable is False


def test_beneficiary_location_and_planned_dates(caseworker, panel_member):
    organisation = OrganisationFactory()
    camden = Borough.objects.get_or_create(ons_code="E09000007", defaults={"name": "Camden", "inner_london": True})[0]
    organisation.boroughs.set([camden])
    record, milestone, grant = _awarded_grant(caseworker, panel_member, organisation)
    pathways.update_milestone(milestone, by=caseworker, evidence_note="Letter", evidence_on=TODAY)
    pathways.add_tranche(grant, by=caseworker, milestone=milestone, amount=Decimal("250"))
    row = giving.row(giving.awarded(Grant.objects.filter(pk=grant.pk)).get())
    assert (
        row["Beneficiary Location:Name"],
        row["Beneficiary Location:Geographic Code"],
        row["Beneficiary Location:Geographic Code Type"],
    ) == ("Camden", "E09000007", "LONB")
    assert row["Planned Dates:Start Date"] == grant.award_date.isoformat()
    due = milestone.due_on
    if due and due >= grant.award_date:
        assert row["Planned Dates:End Date"] == due.isoformat()
        assert int(row["Planned Dates:Duration (months)"]) >= 1
    westminster = Borough.objects.get_or_create(
        ons_code="E09000033", defaults={"name": "Westminster", "inner_london": True}
    )[0]
    organisation.boroughs.add(westminster)
    row = giving.row(giving.awarded(Grant.objects.filter(pk=grant.pk)).get())
    assert row["Beneficiary Location:Geographic Code"] == "E12000007"  # several boroughs: London


def test_planned_duration_counts_calendar_months():
    class _Grant:
        award_date = datetime.date(2026, 1, 15)

        class tranches:  # noqa: N801
            @staticmethod
            def all():
                milestone = type("M", (), {"due_on": datetime.date(2026, 7, 14)})
                return [type("T", (), {"milestone": milestone})]

    assert giving._planned(_Grant) == ("2026-01-15", "2026-07-14", "6")
