"""The caseload (issue 20): search, filters, sorting and columns shared by the page and the API;
handing a case over; referrals with their details, duplicate warning and dismissal; tasks that can
be changed and close with their case; typed, dated notes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import queries, workflow
from casework.filters import CaseFilter
from casework.models import Case, Referral, Task
from core.models import AuditEvent
from organisations.models import Borough
from tests import scenes
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.integration
TODAY = timezone.localdate()


def _case(caseworker, name: str, **referral) -> Case:
    organisation = OrganisationFactory(name=name)
    found = workflow.refer_organisation(
        organisation, by=caseworker, source="cvs", concerns="Cash is short.", **referral
    )
    return workflow.open_case(found, by=caseworker)


def _names(response) -> list[str]:
    return [c.organisation.name for c in response.context["page"].object_list]


@pytest.fixture
def other_caseworker(hub):
    return MembershipFactory(role="caseworker", organisation=hub, person__full_name="Olu Other").person


# --- search, filters, sorting ----------------------------------------------------------------------
def test_search_finds_a_case_by_a_word_in_a_note_and_nothing_hidden(caseworker, other_caseworker, client_for):
    found = _case(caseworker, "Riverside Lunch Club")
    _case(caseworker, "Hillside Youth")
    hidden = _case(other_caseworker, "Secret Trust")
    workflow.add_note(found, by=caseworker, text="The landlord served notice on the kitchen.")
    workflow.add_note(hidden, by=other_caseworker, text="The landlord wants the hall back.")

    page = client_for(caseworker).get(reverse("casework:case-list"), {"q": "landlord"})
    assert page.status_code == 200
    assert _names(page) == ["Riverside Lunch Club"]  # the other team's case never shows

    api = client_for(caseworker).get(reverse("api:case-list"), {"q": "landlord"}).json()
    assert [row["id"] for row in api["results"]] == [found.pk]


def test_search_reads_organisation_names_and_document_titles(caseworker, client_for):
    case = _case(caseworker, "Northfield Advice")
    _case(caseworker, "Southgate Carers")
    workflow.add_document(
        case, by=caseworker, slot="accounts", title="Draft budget", dated_on=TODAY, upload=scenes.pdf_upload()
    )
    client = client_for(caseworker)
    assert _names(client.get(reverse("casework:case-list"), {"q": "budget"})) == ["Northfield Advice"]
    assert _names(client.get(reverse("casework:case-list"), {"q": "southgate"})) == ["Southgate Carers"]
    assert _names(client.get(reverse("casework:case-list"), {"q": "nothing-like-this"})) == []


def test_filters_owner_state_risk_overdue_and_borough(caseworker, other_caseworker, panel_member, reviewed_org):
    waiting = scenes.case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)["case"]
    mine = _case(caseworker, "Mine Only")
    theirs = _case(other_caseworker, "Theirs")
    workflow.add_task(
        mine, by=caseworker, title="Call the chair", due_on=TODAY - datetime.timedelta(days=2), assignee=caseworker
    )
    borough, _ = Borough.objects.get_or_create(ons_code="E09000012", defaults={"name": "Hackney", "inner_london": True})
    theirs.organisation.boroughs.add(borough)

    def ids(person, **data):
        return sorted(
            CaseFilter(data, queryset=queries.caseload_visible_to(person), request=_Req(person)).qs.values_list(
                "pk", flat=True
            )
        )

    assert ids(caseworker, owner="me") == sorted([waiting.pk, mine.pk])
    assert ids(panel_member, owner=str(other_caseworker.pk)) == [theirs.pk]
    assert ids(panel_member, state=["awaiting_decision", "closing_review"]) == [waiting.pk]
    assert ids(panel_member, risk=waiting.health_check.risk) == [waiting.pk]
    assert ids(panel_member, risk="none") == sorted([mine.pk, theirs.pk])
    assert ids(panel_member, overdue="true") == [mine.pk]
    assert ids(panel_member, borough="E09000012") == [theirs.pk]


class _Req:
    def __init__(self, user):
        self.user = user


def test_columns_and_sorting_by_next_due(caseworker, client_for):
    late = _case(caseworker, "Late Tasks")
    soon = _case(caseworker, "Soon Tasks")
    _case(caseworker, "No Tasks")
    workflow.add_task(late, by=caseworker, title="A", due_on=TODAY + datetime.timedelta(days=9), assignee=caseworker)
    workflow.add_task(soon, by=caseworker, title="B", due_on=TODAY + datetime.timedelta(days=1), assignee=caseworker)
    workflow.add_note(
        soon, by=caseworker, text="Rang the treasurer.", kind="call", contacted_on=TODAY - datetime.timedelta(days=3)
    )

    response = client_for(caseworker).get(reverse("casework:case-list"), {"ordering": "next_due"})
    assert _names(response)[:2] == ["Soon Tasks", "Late Tasks"]
    rows = {c.organisation.name: c for c in response.context["page"].object_list}
    assert rows["Soon Tasks"].next_due == TODAY + datetime.timedelta(days=1)
    assert rows["Soon Tasks"].last_contact == TODAY - datetime.timedelta(days=3)
    assert rows["No Tasks"].next_due is None
    html = response.content.decode()
    assert (TODAY - datetime.timedelta(days=3)).strftime("%-d %B %Y") in html
    assert 'data-label="Next due"' in html


def test_case_list_queries_do_not_grow_with_the_cases(caseworker, client_for):
    client = client_for(caseworker)

    def count() -> int:
        client.get(reverse("casework:case-list"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("casework:case-list"), {"ordering": "-risk"}).status_code == 200
        return len(captured)

    for n in range(2):
        case = _case(caseworker, f"First {n}")
        workflow.add_note(case, by=caseworker, text="Met.")
    before = count()
    # session, person, the two-factor device (django-otp's middleware, once per request), roles,
    # count, rows, referrals, owners, boroughs
    assert before <= 9
    for n in range(8):
        case = _case(caseworker, f"Later {n}")
        workflow.add_task(case, by=caseworker, title="T", due_on=TODAY, assignee=caseworker)
        workflow.add_note(case, by=caseworker, text="Met.")
    assert count() == before


def test_saved_views_are_links_that_filter(caseworker, client_for):
    response = client_for(caseworker).get(reverse("casework:case-list"))
    html = response.content.decode()
    for label in ["My cases", "Waiting on the panel", "Overdue"]:
        assert label in html
    assert "?owner=me" in html and "state=awaiting_decision&amp;state=closing_review" in html


def test_a_bad_filter_value_says_so_and_never_fails(caseworker, client_for):
    _case(caseworker, "Still Listed")
    response = client_for(caseworker).get(reverse("casework:case-list"), {"risk": "purple", "owner": "x"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    api = client_for(caseworker).get(reverse("api:case-list"), {"risk": "purple"})
    assert api.status_code == 400


# --- handing a case over -------------------------------------------------------------------------
def test_reassign_case_records_old_and_new_owner_and_reason(caseworker, other_caseworker):
    case = _case(caseworker, "Handed Over")
    workflow.reassign_case(case, by=caseworker, owner=other_caseworker, reason="Annual leave for three weeks")
    case.refresh_from_db()
    assert case.owner == other_caseworker
    assert list(case.team.all()) == [caseworker]
    event = AuditEvent.objects.filter(object_type="casework.case", object_id=str(case.pk), action="reassign").get()
    assert event.reason == "Annual leave for three weeks"
    assert event.payload["changes"]["owner_id"] == [caseworker.pk, other_caseworker.pk]
    assert event.payload["changes"]["team"] == [[], [caseworker.pk]]
    assert case.history.first().history_change_reason == "reassign"


def test_reassign_case_refusals_change_nothing(caseworker, other_caseworker, panel_member, outsider):
    case = _case(caseworker, "Stays Put")
    with pytest.raises(ValidationError, match="not a lifeboat caseworker"):
        workflow.reassign_case(case, by=caseworker, owner=panel_member, reason="x")
    with pytest.raises(ValidationError, match="already owns"):
        workflow.reassign_case(case, by=caseworker, owner=caseworker, reason="x")
    with pytest.raises(ValidationError, match="why"):
        workflow.reassign_case(case, by=caseworker, owner=other_caseworker, reason="  ")
    with pytest.raises(PermissionDenied):
        workflow.reassign_case(case, by=panel_member, owner=other_caseworker, reason="x")
    with pytest.raises(PermissionDenied):
        workflow.reassign_case(case, by=other_caseworker, owner=other_caseworker, reason="x")
    case.refresh_from_db()
    assert case.owner == caseworker
    assert not AuditEvent.objects.filter(action="reassign").exists()


def test_reassign_page_and_api(caseworker, other_caseworker, administrator, client_for):
    case = _case(caseworker, "Through The Page")
    url = reverse("casework:case-reassign", args=[case.pk])
    response = client_for(caseworker).post(
        url, {"owner": other_caseworker.pk, "reason": "Workload", "keep_previous_on_team": ""}, follow=True
    )
    assert "Olu Other now owns the case" in response.content.decode()
    case.refresh_from_db()
    assert case.owner == other_caseworker and not case.team.exists()

    api = client_for(administrator).post(
        reverse("api:case-owner", args=[case.pk]),
        {"owner": caseworker.pk, "reason": "Back from leave"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["owner"] == caseworker.pk
    bad = client_for(administrator).post(
        reverse("api:case-owner", args=[case.pk]),
        {"owner": caseworker.pk, "reason": "again"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "already owns" in bad.content.decode()


# --- referrals -----------------------------------------------------------------------------------
def test_referral_records_its_details_and_refuses_a_future_date(caseworker, reviewed_org):
    referral = workflow.refer_organisation(
        reviewed_org,
        by=caseworker,
        source="funder",
        concerns="Late filings.",
        referrer_contact="Sam, 020 7946 0000",
        received_on=TODAY - datetime.timedelta(days=2),
        urgency="urgent",
        organisation_knows=False,
    )
    referral.refresh_from_db()
    assert (referral.received_on, referral.urgency, referral.organisation_knows) == (
        TODAY - datetime.timedelta(days=2),
        "urgent",
        False,
    )
    with pytest.raises(ValidationError, match="today or in the past"):
        workflow.refer_organisation(
            reviewed_org, by=caseworker, source="cvs", concerns="x", received_on=TODAY + datetime.timedelta(days=1)
        )
    assert Referral.objects.count() == 1


def test_referral_form_warns_of_a_duplicate_until_confirmed(caseworker, reviewed_org, client_for):
    workflow.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="First.")
    client = client_for(caseworker)
    data = {
        "organisation": reviewed_org.pk,
        "source": "funder",
        "referrer_contact": "Fay, funder",
        "received_on": TODAY.isoformat(),
        "urgency": "routine",
        "organisation_knows": "yes",
        "concerns": "Again.",
    }
    response = client.post(reverse("casework:referral-create"), data)
    assert response.status_code == 200
    assert "may already be with the lifeboat" in response.content.decode()
    assert Referral.objects.count() == 1
    response = client.post(reverse("casework:referral-create"), {**data, "not_duplicate": "on"})
    assert response.status_code == 302
    assert Referral.objects.count() == 2


def test_dismiss_referral_is_audited_and_leaves_the_list(caseworker, reviewed_org, client_for):
    referral = workflow.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="Repeat.")
    client = client_for(caseworker)
    url = reverse("casework:referral-dismiss", args=[referral.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the reason is required; nothing changes
    referral.refresh_from_db()
    assert referral.dismissed_at is None
    response = client.post(url, {"reason": "Repeats the referral of 3 March"}, follow=True)
    assert "is dismissed" in response.content.decode()
    referral.refresh_from_db()
    assert referral.dismissed_by == caseworker and referral.dismissal_reason == "Repeats the referral of 3 March"
    event = AuditEvent.objects.get(object_type="casework.referral", object_id=str(referral.pk), action="dismiss")
    assert event.reason == "Repeats the referral of 3 March"
    assert referral not in queries.referrals_waiting(caseworker)
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError, match="already been dismissed"):
        workflow.dismiss_referral(referral, by=caseworker, reason="again")


def test_a_referral_with_a_case_cannot_be_dismissed(caseworker, reviewed_org):
    referral = workflow.refer_organisation(reviewed_org, by=caseworker, source="cvs", concerns="Real.")
    workflow.open_case(referral, by=caseworker)
    with pytest.raises(ValidationError, match="case is open"):
        workflow.dismiss_referral(referral, by=caseworker, reason="no")


# --- tasks and notes ------------------------------------------------------------------------------
def test_change_task_records_each_changed_field(caseworker, other_caseworker):
    case = _case(caseworker, "Task Changes")
    workflow.reassign_case(case, by=caseworker, owner=other_caseworker, reason="Leave")
    task = workflow.add_task(case, by=caseworker, title="Ring bank", due_on=TODAY, assignee=caseworker)
    later = TODAY + datetime.timedelta(days=5)
    workflow.change_task(task, by=caseworker, title="Ring bank", due_on=later, assignee=other_caseworker)
    task.refresh_from_db()
    assert (task.due_on, task.assignee) == (later, other_caseworker)
    event = AuditEvent.objects.get(object_type="casework.task", object_id=str(task.pk), action="change")
    assert event.payload["changes"] == {
        "due_on": [TODAY.isoformat(), later.isoformat()],
        "assignee_id": [caseworker.pk, other_caseworker.pk],
    }
    outsider_person = MembershipFactory(role="caseworker").person
    with pytest.raises(ValidationError, match="case team"):
        workflow.change_task(task, by=caseworker, title="Ring bank", due_on=later, assignee=outsider_person)


def test_open_tasks_close_when_the_case_is_declined(caseworker, reviewed_org):
    case = _case(caseworker, "Declined With Tasks")
    task = workflow.add_task(case, by=caseworker, title="Chase accounts", due_on=TODAY, assignee=caseworker)
    workflow.move_case(case, "decline", by=caseworker, reason="Not for us", signposting="Local CVS")
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by is None
    assert task.closed_reason == "The case was declined"
    assert AuditEvent.objects.filter(object_type="casework.task", object_id=str(task.pk), action="close").exists()
    assert not Task.objects.filter(case=case, done_at__isnull=True).exists()


def test_notes_are_typed_and_dated_never_in_the_future(caseworker, client_for):
    case = _case(caseworker, "Typed Notes")
    note = workflow.add_note(case, by=caseworker, text="Visited.", kind="visit", contacted_on=TODAY)
    assert (note.kind, note.contacted_on) == ("visit", TODAY)
    with pytest.raises(ValidationError, match="today or in the past"):
        workflow.add_note(case, by=caseworker, text="x", contacted_on=TODAY + datetime.timedelta(days=1))
    response = client_for(caseworker).post(
        reverse("casework:case-note", args=[case.pk]),
        {"kind": "call", "contacted_on": TODAY.isoformat(), "text": "Rang the chair."},
        follow=True,
    )
    assert "Phone or video call" in response.content.decode()
    assert case.notes.count() == 2
