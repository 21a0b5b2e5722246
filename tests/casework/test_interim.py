"""Interim management: every move and guard, the panel agreeing the brief (four eyes), reviews,
the exit report, and confidentiality."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import pathways
from casework.models import Interim
from core.workflow import TransitionNotAllowed
from tests import scenes
from tests.factories import MembershipFactory

pytestmark = pytest.mark.integration

TODAY = timezone.localdate()
State = Interim.State
BRIEF = {
    "scope": "Lead the charity through its funding gap.",
    "deliverables": "A balanced budget; a recruited permanent CEO.",
    "duration_months": 6,
    "day_rate": 450,
    "budget_source": "Lifeboat fund, interim budget line",
    "board_sponsor": "Priya Shah, chair",
}


@pytest.fixture
def record(caseworker, panel_member, reviewed_org):
    return scenes.case_on_pathway("interim", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)


def _fresh(record):
    return Interim.objects.get(pk=record.pk)


def _refused(record, name, by, *clauses):
    """The move is refused, naming each unmet guard as a clause of one sentence:
    "<Move> cannot happen until <guard>; and until <guard>."."""
    with pytest.raises(TransitionNotAllowed) as refusal:
        pathways.move_interim(_fresh(record), name, by=by)
    for clause in clauses:
        assert f"until {clause}" in str(refusal.value)


def _sourcing(record, caseworker, panel_member):
    pathways.update_interim(record, by=caseworker, **BRIEF)
    record = pathways.move_interim(_fresh(record), "agree_brief", by=panel_member)
    return pathways.move_interim(record, "source", by=caseworker)


def _matched(record, caseworker, panel_member, *, dbs=False):
    record = _sourcing(record, caseworker, panel_member)
    if dbs:
        pathways.update_interim(record, by=caseworker, role_needs_dbs=True)
    chosen = pathways.add_candidate(
        record,
        by=caseworker,
        name="Alex Interim",
        conflict_note="none",
        conflict_checked_on=TODAY,
        references_checked_on=TODAY,
        dbs_checked_on=TODAY if dbs else None,
    )
    pathways.add_candidate(record, by=caseworker, name="Sam Second")
    pathways.choose_candidate(_fresh(record), by=caseworker, candidate=chosen)
    return pathways.move_interim(_fresh(record), "match", by=caseworker)


def _in_post(record, caseworker, panel_member):
    record = pathways.move_interim(_matched(record, caseworker, panel_member), "contract", by=caseworker)
    scenes.attach(record.case, "agreement", by=caseworker)
    pathways.update_interim(record, by=caseworker, start_on=TODAY, reporting_line="The chair, monthly")
    return pathways.move_interim(_fresh(record), "start_placement", by=caseworker)


def test_start_interim_is_idempotent(record, panel_member):
    from casework import workflow as cw

    assert cw.start_pathway(record.case, by=panel_member).pk == record.pk
    assert record.state == State.NEED_IDENTIFIED


def test_agree_brief_names_each_guard_and_is_the_panels(record, caseworker, panel_member):
    _refused(
        record,
        "agree_brief",
        panel_member,
        "the scope and deliverables are set",
        "the duration in months is set",
        "the day rate and the budget source are agreed",
        "a named board sponsor is recorded",
    )
    pathways.update_interim(record, by=caseworker, **{**BRIEF, "board_sponsor": ""})
    _refused(record, "agree_brief", panel_member, "a named board sponsor is recorded.")
    pathways.update_interim(_fresh(record), by=caseworker, board_sponsor=BRIEF["board_sponsor"])
    with pytest.raises(PermissionDenied):  # the team never agrees its own brief and budget
        pathways.move_interim(_fresh(record), "agree_brief", by=caseworker)
    record = pathways.move_interim(_fresh(record), "agree_brief", by=panel_member)
    assert (record.state, record.brief_agreed_by) == (State.BRIEF_AGREED, panel_member)
    assert record.budget == 450 * 21 * 6
    with pytest.raises(ValidationError, match="The brief is agreed"):
        pathways.update_interim(record, by=caseworker, day_rate=500)


def test_match_guards(record, caseworker, panel_member):
    record = _sourcing(record, caseworker, panel_member)
    _refused(
        record,
        "match",
        caseworker,
        "at least two candidates were considered",
        "a candidate is chosen",
        "the chosen candidate's conflict check is recorded",
        "the chosen candidate's references are taken",
    )
    first = pathways.add_candidate(record, by=caseworker, name="Alex")
    pathways.choose_candidate(_fresh(record), by=caseworker, candidate=first)
    _refused(
        record,
        "match",
        caseworker,
        "at least two candidates were considered",
        "the chosen candidate's conflict check is recorded",
    )
    pathways.add_candidate(record, by=caseworker, name="Sam")
    pathways.update_candidate(first, by=caseworker, conflict_note="none", conflict_checked_on=TODAY)
    _refused(record, "match", caseworker, "the chosen candidate's references are taken")
    pathways.update_interim(_fresh(record), by=caseworker, role_needs_dbs=True)
    pathways.update_candidate(first, by=caseworker, references_checked_on=TODAY)
    _refused(record, "match", caseworker, "the chosen candidate has a DBS check where the role needs one")
    pathways.update_candidate(first, by=caseworker, dbs_checked_on=TODAY)
    assert pathways.move_interim(_fresh(record), "match", by=caseworker).state == State.MATCHED
    with pytest.raises(ValidationError):  # candidates are kept as they were once matched
        pathways.add_candidate(_fresh(record), by=caseworker, name="Late")


def test_choose_only_this_placements_candidate(record, caseworker, panel_member, reviewer_org):
    record = _sourcing(record, caseworker, panel_member)
    other = _sourcing(
        scenes.case_on_pathway("interim", caseworker=caseworker, panel=panel_member, organisation=reviewer_org),
        caseworker,
        panel_member,
    )
    stranger = pathways.add_candidate(other, by=caseworker, name="Elsewhere")
    with pytest.raises(ValidationError):
        pathways.choose_candidate(record, by=caseworker, candidate=stranger)


def test_in_post_needs_agreement_start_date_and_reporting_line(record, caseworker, panel_member):
    record = pathways.move_interim(_matched(record, caseworker, panel_member, dbs=True), "contract", by=caseworker)
    _refused(
        record,
        "start_placement",
        caseworker,
        "the signed agreement is attached",
        "the start date is recorded",
        "the reporting line to the board is recorded",
    )
    scenes.attach(record.case, "agreement", by=caseworker)
    pathways.update_interim(_fresh(record), by=caseworker, start_on=TODAY)
    _refused(record, "start_placement", caseworker, "the reporting line to the board is recorded.")
    pathways.update_interim(_fresh(record), by=caseworker, reporting_line="The chair")
    assert pathways.move_interim(_fresh(record), "start_placement", by=caseworker).state == State.IN_POST


def test_reviews_repeat_with_a_decision_each_time(record, caseworker, panel_member):
    record = _in_post(record, caseworker, panel_member)
    assert record.next_review_due() == TODAY + datetime.timedelta(weeks=6)
    with pytest.raises(ValidationError, match="Start a review first"):
        pathways.record_interim_review(record, by=caseworker, held_on=TODAY, continue_placement=True, note="x")
    record = pathways.move_interim(record, "review", by=caseworker)
    _refused(record, "continue_placement", caseworker, "this period's review decided to continue the placement")
    _refused(record, "hand_over", caseworker, "this period's review decided to move to handover")
    pathways.record_interim_review(_fresh(record), by=caseworker, held_on=TODAY, continue_placement=True, note="Good.")
    _refused(record, "hand_over", caseworker, "this period's review decided to move to handover")
    record = pathways.move_interim(_fresh(record), "continue_placement", by=caseworker)
    assert record.state == State.IN_POST
    record = pathways.move_interim(record, "review", by=caseworker)
    # The earlier review does not count for the new period.
    _refused(record, "continue_placement", caseworker, "this period's review decided to continue the placement")
    pathways.record_interim_review(_fresh(record), by=caseworker, held_on=TODAY, continue_placement=False, note="Done.")
    assert pathways.move_interim(_fresh(record), "hand_over", by=caseworker).state == State.HANDOVER
    assert _fresh(record).reviews.count() == 2


def test_a_review_before_the_start_is_refused(record, caseworker, panel_member):
    record = pathways.move_interim(_in_post(record, caseworker, panel_member), "review", by=caseworker)
    with pytest.raises(ValidationError):
        pathways.record_interim_review(
            record, by=caseworker, held_on=TODAY - datetime.timedelta(days=1), continue_placement=True, note="x"
        )


def test_an_overdue_review_is_flagged(record, caseworker, panel_member, client_for):
    record = _in_post(record, caseworker, panel_member)
    Interim.objects.filter(pk=record.pk).update(start_on=TODAY - datetime.timedelta(weeks=7))  # set-up only
    assert _fresh(record).review_overdue
    page = client_for(caseworker).get(reverse("casework:interim", args=[record.case.pk])).content.decode()
    assert "A review was due by" in page


def test_ending_needs_exit_report_recruitment_status_and_sponsor_sign_off(record, caseworker, panel_member):
    record = pathways.move_interim(_in_post(record, caseworker, panel_member), "review", by=caseworker)
    pathways.record_interim_review(_fresh(record), by=caseworker, held_on=TODAY, continue_placement=False, note="x")
    record = pathways.move_interim(_fresh(record), "hand_over", by=caseworker)
    _refused(
        record,
        "end",
        caseworker,
        "the exit report is attached and says what was done, what is left for the permanent CEO and what is in "
        "progress",
        "the permanent CEO recruitment status is recorded",
        "the board sponsor has signed off",
    )
    scenes.attach(record.case, "exit_report", by=caseworker)
    pathways.update_interim(
        _fresh(record), by=caseworker, done_summary="Budget balanced.", left_for_permanent="Strategy."
    )
    _refused(record, "end", caseworker, "the exit report is attached and says what was done")
    pathways.update_interim(
        _fresh(record),
        by=caseworker,
        in_progress="Fundraising bids, documented.",
        permanent_ceo_status="recruiting",
        sponsor_signed_off_on=TODAY,
    )
    record = pathways.move_interim(_fresh(record), "end", by=caseworker)
    assert record.state == State.ENDED and record.case.pathway_finished()
    with pytest.raises(ValidationError, match="ended"):
        pathways.update_interim(record, by=caseworker, in_progress="Changed later")


@pytest.mark.parametrize("state", [s for s in State if s != State.CONTRACTED])
def test_start_placement_only_from_contracted(state, record, caseworker):
    Interim.objects.filter(pk=record.pk).update(state=state)  # set-up only
    with pytest.raises(TransitionNotAllowed, match="not possible"):
        pathways.move_interim(_fresh(record), "start_placement", by=caseworker)


def test_moves_need_the_case_active_on_interim(record, caseworker, panel_member):
    from casework import workflow

    pathways.update_interim(record, by=caseworker, **BRIEF)
    workflow.move_case(record.case, "hold", by=caseworker, reason="Board away.")
    _refused(record, "agree_brief", panel_member, "the case is active on this pathway.")


def test_interim_page_shows_stage_and_blocked_moves(record, panel_member, client_for):
    page = client_for(panel_member).get(reverse("casework:interim", args=[record.case.pk])).content.decode()
    assert "Need identified" in page
    assert "Agree the brief and budget</strong> is not possible yet" in page
    assert "A named board sponsor is recorded." in page


def test_evidence_upload_through_the_page(record, caseworker, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("casework:interim-evidence", args=[record.case.pk])
    upload = SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = client_for(caseworker).post(
        url, {"slot": "agreement", "title": "Signed agreement", "dated_on": TODAY.isoformat(), "upload": upload}
    )
    assert response.status_code == 302
    assert record.case.has_document("agreement")
    fake = SimpleUploadedFile("agreement.pdf", b"not a pdf", content_type="application/pdf")
    response = client_for(caseworker).post(
        url, {"slot": "agreement", "title": "Fake", "dated_on": TODAY.isoformat(), "upload": fake}
    )
    assert response.status_code == 200 and record.case.documents.count() == 1


def test_every_interim_url_is_404_for_outsiders_and_funders(
    caseworker, reviewer_org, outsider, funder, contact, client_for
):
    scene = scenes.pathway_scene(caseworker=caseworker, organisation=reviewer_org)
    case, candidate = scene["interim_case"], scene["candidate"]
    urls = [
        ("get", reverse("casework:interim", args=[case.pk])),
        ("get", reverse("casework:interim-edit", args=[case.pk])),
        ("post", reverse("casework:interim-move", args=[case.pk, "match"])),
        ("get", reverse("casework:interim-evidence", args=[case.pk])),
        ("get", reverse("casework:candidate-add", args=[case.pk])),
        ("get", reverse("casework:candidate-edit", args=[case.pk, candidate.pk])),
        ("post", reverse("casework:candidate-choose", args=[case.pk, candidate.pk])),
        ("get", reverse("casework:interim-review-add", args=[case.pk])),
    ]
    other_worker = MembershipFactory(role="caseworker").person
    for person in (outsider, funder, contact, other_worker):
        client = client_for(person)
        for method, url in urls:
            response = getattr(client, method)(url)
            assert response.status_code == 404, (person, url)
            assert candidate.name not in response.content.decode()


def test_starting_and_continuing_the_placement_schedule_the_next_review_as_a_task(record, caseworker, panel_member):
    import datetime

    from casework.models import Task

    record = _in_post(record, caseworker, panel_member)
    task = Task.objects.get(case=record.case, title=pathways.REVIEW_TASK, done_at__isnull=True)
    assert task.due_on == TODAY + datetime.timedelta(weeks=6) and task.assignee == record.case.owner
    record = pathways.move_interim(_fresh(record), "review", by=caseworker)
    pathways.record_interim_review(record, by=caseworker, held_on=TODAY, continue_placement=True, note="On track")
    record = pathways.move_interim(_fresh(record), "continue_placement", by=caseworker)
    open_tasks = Task.objects.filter(case=record.case, title=pathways.REVIEW_TASK, done_at__isnull=True)
    assert open_tasks.count() == 1 and Task.objects.get(pk=task.pk).done_at is not None
