"""Funders learn about a case only with the organisation's consent, and then only its summary;
home pages show lifeboat work waiting for each person."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import queries, workflow
from organisations.models import Organisation
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration
TODAY = timezone.localdate()


@pytest.fixture
def planning(caseworker, panel_member, reviewed_org):
    return scenes.case_in_closure_planning(caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org)


def test_a_funder_sees_nothing_until_the_organisation_consents(planning, caseworker, funder, client_for):
    case = planning["closing_case"]
    client = client_for(funder)
    detail = reverse("casework:case-detail", args=[case.pk])
    assert client.get(detail).status_code == 404
    assert case.organisation.name not in client.get(reverse("home")).content.decode()

    funding_org = funder.memberships.get(role="funder_reader").organisation
    workflow.record_funder_consent(case, by=caseworker, funders=[funding_org], consent_on=TODAY, note="Chair's email")
    assert list(queries.cases_shared_with(funder)) == [case]
    page = client.get(detail).content.decode()
    assert "shared with your organisation" in page and case.organisation.name in page
    assert "Write to the lunch club" not in page and "Case notes" not in page  # the file stays closed
    assert case.organisation.name in client.get(reverse("home")).content.decode()
    for url in [
        reverse("casework:closure", args=[case.pk]),
        reverse("casework:case-timeline", args=[case.pk]),
        reverse("casework:decision-log-csv", args=[case.pk]),
        reverse("casework:document-download", args=[planning["document"].pk]),
        reverse("reports:case-pdf", args=[case.pk, "summary"]),
    ]:
        assert client.get(url).status_code == 404, url

    other_funder = MembershipFactory(role="funder_reader", organisation=OrganisationFactory(kind="funder")).person
    assert client_for(other_funder).get(detail).status_code == 404

    workflow.record_funder_consent(case, by=caseworker, funders=[], consent_on=None, note="Consent withdrawn")
    assert client.get(detail).status_code == 404


def test_consent_needs_funders_a_date_and_a_note(planning, caseworker):
    case = planning["closing_case"]
    with pytest.raises(ValidationError, match="Only funders"):
        workflow.record_funder_consent(case, by=caseworker, funders=[case.organisation], consent_on=TODAY, note="x")
    funder_org = OrganisationFactory(kind=Organisation.Kind.FUNDER)
    with pytest.raises(ValidationError, match="date"):
        workflow.record_funder_consent(case, by=caseworker, funders=[funder_org], consent_on=None, note="x")
    with pytest.raises(ValidationError, match="how"):
        workflow.record_funder_consent(case, by=caseworker, funders=[funder_org], consent_on=TODAY, note=" ")


def test_home_shows_tasks_second_person_asks_and_panel_approvals(planning, caseworker, panel_member, client_for):
    colleague = MembershipFactory(role="caseworker", organisation=caseworker.memberships.first().organisation).person
    case = planning["closing_case"]
    case.team.add(colleague)
    workflow.move_item(planning["item"], "ask_not_applicable", by=colleague, reason="Club closed last year")
    home = client_for(caseworker).get(reverse("home")).content.decode()
    assert "Write to the lunch club" in home and "Register item “Lunch club”" in home  # a second person's ask
    panel_home = client_for(panel_member).get(reverse("home")).content.decode()
    assert "Waiting for your decision" in panel_home and case.closure.get_absolute_url() in panel_home


def test_task_reminders_once_per_point_and_the_owner_hears_when_long_overdue(
    planning, caseworker, mailoutbox, django_capture_on_commit_callbacks, capsys
):
    from django.core.management import call_command

    from casework import reminders
    from core.dates import add_working_days

    task = planning["task"]
    due = task.due_on
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_due(add_working_days(due, -2)) == []
        assert reminders.send_due(add_working_days(due, -1)) == [f"task:{task.pk}:before:{due}"]
        assert reminders.send_due(add_working_days(due, -1)) == []  # never twice
        assert reminders.send_due(add_working_days(due, 1)) == [f"task:{task.pk}:overdue:{due}"]
        assert reminders.send_due(add_working_days(due, 6)) == [f"task:{task.pk}:escalated:{due}"]
    assert [m.subject for m in mailoutbox] == [f"Due soon: {task.title}", *[f"Overdue: {task.title}"] * 2]
    assert [m.to for m in mailoutbox][-1] == [caseworker.email]  # the owner is the assignee here
    assert "please do not forward" in mailoutbox[0].body
    workflow.complete_task(task, by=caseworker)
    assert reminders.send_due(add_working_days(due, 20)) == []
    call_command("send_reminders")  # one command sends review and task reminders
    assert "Queued 0 reminders" in capsys.readouterr().out
