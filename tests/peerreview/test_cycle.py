"""The executable spec: one review from scoping to closed through the workflow functions,
as the coordinator, two reviewers, the organisation's contact and a quality panel member."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from peerreview import workflow
from peerreview.models import Assignment, Finding, Reply, ReportSnapshot, Review
from tests import scenes

pytestmark = pytest.mark.integration


def test_review_from_scoping_to_closed(
    review,
    coordinator,
    lead_reviewer,
    second_reviewer,
    contact,
    administrator,
    quality_panel_member,
    django_capture_on_commit_callbacks,
):
    version = review.framework_version
    standards = list(version.standards.order_by("position"))
    indicators = [i for s in standards for i in s.indicators.all()]

    with django_capture_on_commit_callbacks(execute=True):
        review = workflow.start_self_assessment(review, by=coordinator)
    assert review.state == "self_assessment" and review.self_assessment_due > timezone.localdate()
    assert mail.outbox[-1].to == [contact.email]

    lead = workflow.invite_reviewer(review, lead_reviewer, by=coordinator, role="lead")
    peer = workflow.invite_reviewer(review, second_reviewer, by=coordinator)
    workflow.accept_assignment(lead, by=lead_reviewer, declaration=True)
    workflow.accept_assignment(peer, by=second_reviewer, declaration=True)

    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 business plan", content_type="application/pdf")
    evidence = workflow.add_evidence(
        review,
        by=contact,
        title="Business plan",
        upload=pdf,
        dated_on=timezone.localdate(),
        indicators=indicators[:2],
        content_type="application/pdf",
    )
    for n, indicator in enumerate(indicators):
        workflow.save_self_rating(
            review,
            indicator,
            by=contact,
            rating=3,
            commentary="We do this.",
            no_evidence=n >= 2,
            no_evidence_note="Not written down yet." if n >= 2 else "",
        )
    workflow.save_position_statement(review, by=contact, text="We are a small CVS doing a lot.")
    workflow.submit_self_assessment(review, by=contact)

    review = workflow.start_desk_review(Review.objects.get(pk=review.pk), by=coordinator)
    for assignment, ratings in [(lead, [3, 2]), (peer, [1, 2])]:
        assignment.refresh_from_db()
        for standard, rating in zip(standards, ratings, strict=True):
            workflow.save_rating(
                assignment, standard, by=assignment.reviewer, rating=rating, rationale="Seen in evidence."
            )
    # Blind: before submitting, each reviewer sees only their own ratings.
    assert {r.assignment_id for r in workflow.ratings_visible_to(second_reviewer, review)} == {peer.pk}
    workflow.submit_assignment(lead, by=lead_reviewer)
    assert {r.assignment_id for r in workflow.ratings_visible_to(lead_reviewer, review)} == {lead.pk}
    workflow.submit_assignment(Assignment.objects.get(pk=peer.pk), by=second_reviewer)
    assert {r.assignment_id for r in workflow.ratings_visible_to(lead_reviewer, review)} == {lead.pk, peer.pk}

    review = workflow.move_review(Review.objects.get(pk=review.pk), "plan_visit", by=lead_reviewer)
    review = workflow.record_visit(review, by=lead_reviewer, visit_date=timezone.localdate(), notes="Met 12 groups.")
    review = workflow.move_review(review, "start_moderation", by=lead_reviewer)
    with pytest.raises(Exception, match="Reviewers differed by 2"):
        workflow.moderate_standard(review, standards[0], by=lead_reviewer, rating=2, rationale="Mixed picture.")
    workflow.moderate_standard(
        review,
        standards[0],
        by=lead_reviewer,
        rating=2,
        rationale="Mixed picture.",
        flag_note="The peer saw no directory; the lead found one online. Agreed 2.",
    )
    workflow.moderate_standard(review, standards[1], by=lead_reviewer, rating=2, rationale="Consults sometimes.")
    strength = workflow.add_finding(
        review,
        by=lead_reviewer,
        kind="strength",
        text="Warm, trusted by groups.",
        standards=standards[:1],
        evidence=[evidence],
    )
    development = workflow.add_finding(
        review,
        by=second_reviewer,
        kind="recommendation",
        text="Publish the directory with dates.",
        standards=standards[:1],
    )
    for finding in (strength, development):
        workflow.agree_finding(finding, by=lead_reviewer)
    result = workflow.overall_result(review)
    assert result.level.value == 2 and "mean of 2.00" in result.steps[0]

    review = workflow.move_review(review, "submit_for_quality_assurance", by=lead_reviewer)
    # Quality assurance is the quality panel's: not the lead's, and not hub staff's.
    for person in (lead_reviewer, coordinator, administrator):
        with pytest.raises(PermissionDenied):
            workflow.issue_draft(Review.objects.get(pk=review.pk), by=person)
    with django_capture_on_commit_callbacks(execute=True):
        review = workflow.issue_draft(Review.objects.get(pk=review.pk), by=quality_panel_member)
    assert review.state == "right_of_reply" and review.report_version == 1
    assert ReportSnapshot.objects.get(review=review, kind="draft").data["result"]["label"] == "2 – Developing"

    workflow.reply_to_finding(Finding.objects.get(pk=strength.pk), by=contact, kind="accept")
    workflow.reply_to_finding(
        Finding.objects.get(pk=development.pk),
        by=contact,
        kind="c_missed",
        text="Our directory was online since March.",
        evidence=evidence,
    )
    with pytest.raises(ValidationError, match="nominated responsible person"):
        workflow.submit_replies(Review.objects.get(pk=review.pk), by=contact)
    scenes.nominate_responsible_person(contact, review.organisation)
    workflow.submit_replies(Review.objects.get(pk=review.pk), by=contact)
    review = workflow.consider_replies(Review.objects.get(pk=review.pk), by=contact)
    reply = Reply.objects.get(finding=development)
    with pytest.raises(PermissionDenied):  # a peer not on the visit decides challenges, not the hub
        workflow.decide_reply(reply, by=coordinator, decision="rejected", reason="No.")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.decide_reply(
            reply,
            by=quality_panel_member,
            decision="partly",
            reason="It was online but undated.",
            amended_text="Date the directory entries.",
        )
    assert Finding.objects.get(pk=development.pk).state == "amended"
    told = mail.outbox[-1]
    assert (told.to, told.subject) == ([contact.email], "Your challenge has been decided")
    assert "Partly accepted" in told.body and "It was online but undated." in told.body
    # The review panel's lead proposes the outcome; the quality panel confirms it.
    with pytest.raises(PermissionDenied):
        workflow.set_outcome(review, by=coordinator, outcome="met", rationale="Hub view.")
    workflow.set_outcome(review, by=lead_reviewer, outcome="met_with_conditions", rationale="Good core; dating needed.")
    for person in (lead_reviewer, coordinator):
        with pytest.raises(PermissionDenied):
            workflow.decide_outcome(Review.objects.get(pk=review.pk), by=person)
    review = workflow.decide_outcome(Review.objects.get(pk=review.pk), by=quality_panel_member)
    with pytest.raises(ValidationError, match="not consented to publication"):
        workflow.publish_review(review, by=coordinator, visibility="public")
    with pytest.raises(PermissionDenied):  # consent is the organisation's, never the hub's
        workflow.give_consent(review, by=coordinator, kind="publish")
    workflow.give_consent(review, by=contact, kind="publish")
    review = workflow.publish_review(Review.objects.get(pk=review.pk), by=coordinator, visibility="public")
    assert review.state == "published" and review.valid_until is not None
    assert set(Finding.objects.filter(review=review).values_list("state", flat=True)) == {"final"}
    final = ReportSnapshot.objects.get(review=review, kind="final")
    assert final.fingerprint == ReportSnapshot.fingerprint_of(final.data)

    review = workflow.move_review(review, "start_action_planning", by=contact)
    action = workflow.add_action(
        review,
        by=contact,
        text="Date every directory entry.",
        owner="Chief executive",
        due_on=timezone.localdate() + datetime.timedelta(days=60),
        finding=development,
    )
    action = workflow.move_action(action, "agree", by=coordinator)
    review = workflow.accept_action_plan(Review.objects.get(pk=review.pk), by=coordinator)
    for name, person in [("start", contact), ("complete", contact), ("verify", coordinator)]:
        action = workflow.move_action(action, name, by=person)
    review = workflow.move_review(review, "start_progress_review", by=coordinator)
    review = workflow.move_review(review, "close", by=coordinator)
    assert review.state == "closed"

    moves = list(
        AuditEvent.objects.filter(object_type="peerreview.review", object_id=str(review.pk))
        .exclude(source_state="")
        .values_list("action", "actor_id")
    )
    assert moves[0] == ("start_self_assessment", coordinator.pk)
    assert ("issue_draft", quality_panel_member.pk) in moves and ("close", coordinator.pk) in moves
    assert ("decide_outcome", quality_panel_member.pk) in moves
    assert audit.verify()[1] is None


def test_renewal_is_prefilled_and_happens_once(review, coordinator, reviewed_org, published_version):
    with pytest.raises(ValidationError, match="reached monitoring"):
        workflow.renew_review(review, by=coordinator)
    closed = Review.objects.create(
        organisation=reviewed_org,
        framework_version=published_version,
        coordinator=coordinator,
        state="closed",
        scope="Focus on volunteering.",
    )
    closed.in_scope.set(published_version.standards.filter(code="2.1"))
    renewal = workflow.renew_review(closed, by=coordinator)
    assert (renewal.state, renewal.scope, renewal.previous_review) == ("scoping", "Focus on volunteering.", closed)
    assert list(renewal.in_scope.values_list("code", flat=True)) == ["2.1"]
    with pytest.raises(ValidationError, match="already been renewed"):
        workflow.renew_review(closed, by=coordinator)


def test_evidence_and_visits_are_never_dated_in_the_future(
    published_version, reviewed_org, coordinator, lead_reviewer, reviewer, contact
):
    # Found by tests/peerreview/test_review_machine.py: a document dated tomorrow was accepted.
    scene = scenes.review_in_desk_review(
        version=published_version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    review = scene["review"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="in the future"):
        workflow.add_evidence(
            review,
            by=contact,
            title="Minutes",
            dated_on=tomorrow,
            indicators=[],
            upload=scenes.pdf_upload(),
            content_type="application/pdf",
        )
    for assignment in review.assignments.filter(state=Assignment.State.ACCEPTED):
        for standard in review.standards_in_scope():
            workflow.save_rating(assignment, standard, by=assignment.reviewer, rating=3, rationale="Seen.")
        workflow.submit_assignment(assignment, by=assignment.reviewer)
    review = workflow.move_review(Review.objects.get(pk=review.pk), "plan_visit", by=lead_reviewer)
    with pytest.raises(ValidationError, match="in the future"):
        workflow.record_visit(review, by=lead_reviewer, visit_date=tomorrow, notes="Planned.")
    assert Review.objects.get(pk=review.pk).visit_date is None
