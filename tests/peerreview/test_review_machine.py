"""A model of the peer review's rules (issue 15): from desk review on, random ratings and
submissions, evidence, visit records, moderation, findings and their agreement, replies and their
decisions, the outcome, consent, publication, appeals and every other review move, made by random
people (the coordinator, the lead reviewer, the other reviewer, the reviewed organisation's
contact, a quality panel member and an appeals group member) with random dates (some in the
future), all through the workflow operations the pages and the API call. After every step: only
the lead agrees findings, no evidence or visit is dated in the future, nothing is published
without the steps before it, nobody reads another reviewer's ratings or a draft finding before
they may, each move has one audit event and the audit chain verifies. Kept small (a few examples)
so it runs in seconds."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core import audit
from core.models import AuditEvent
from core.workflow import ConcurrentTransition, TransitionNotAllowed, available_transitions
from peerreview import queries
from peerreview import workflow as pr
from peerreview.models import Assignment, Evidence, Finding, Reply, ReportSnapshot, Review
from tests import scenes
from tests.machines import one_event_per_move

pytestmark = pytest.mark.integration

REFUSED = (ValidationError, TransitionNotAllowed, PermissionDenied, ConcurrentTransition)
DAYS = st.integers(min_value=-20, max_value=5)  # dates around today, some in the future
ALL_MOVES = sorted({t.name for t in Review._meta.get_field("state").get_all_transitions(Review)})
PUBLISHED = (
    Review.State.PUBLISHED,
    Review.State.ACTION_PLANNING,
    Review.State.MONITORING,
    Review.State.PROGRESS_REVIEW,
    Review.State.CLOSED,
)


class _Rollback(Exception):
    pass


def test_review_rules_hold_under_random_moves(
    steward,
    hub,
    participant,
    coordinator,
    lead_reviewer,
    reviewer,
    contact,
    reviewed_org,
    quality_panel_member,
    appeals_member,
):
    version = scenes.published_version(steward=steward, owner=hub, commenter=participant)
    scene = scenes.review_in_desk_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )
    scenes.nominate_responsible_person(contact, reviewed_org)  # who signs off the replies
    pk = scene["review"].pk
    people = {
        "coordinator": coordinator,
        "lead": lead_reviewer,
        "peer": reviewer,
        "contact": contact,
        "quality": quality_panel_member,
        "appeals": appeals_member,
    }
    reviewers = {"lead": lead_reviewer, "peer": reviewer}

    class ReviewMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            self.atomic.__exit__(_Rollback, _Rollback(), None)

        @property
        def review(self) -> Review:
            return Review.objects.get(pk=pk)

        def _findings(self) -> list[Finding]:
            return list(Finding.objects.filter(review_id=pk).order_by("pk"))

        @rule(who=st.sampled_from(sorted(people)), rating=st.sampled_from([2, 3]), submit=st.booleans())
        def rate(self, who: str, rating: int, submit: bool) -> None:
            review = self.review
            assignment = review.assignments.filter(reviewer=people[who]).first()
            if assignment is None:
                return
            with contextlib.suppress(REFUSED):
                for standard in review.standards_in_scope():
                    pr.save_rating(assignment, standard, by=people[who], rating=rating, rationale="Seen.")
                if submit:
                    pr.submit_assignment(Assignment.objects.get(pk=assignment.pk), by=people[who])

        @rule(who=st.sampled_from(sorted(people)), days=DAYS)
        def add_evidence(self, who: str, days: int) -> None:
            review = self.review
            with contextlib.suppress(REFUSED):
                pr.add_evidence(
                    review,
                    by=people[who],
                    title="Minutes",
                    dated_on=timezone.localdate() + datetime.timedelta(days=days),
                    indicators=list(review.indicators_in_scope()[:1]),
                    upload=scenes.pdf_upload("minutes.pdf"),
                    content_type="application/pdf",
                )

        @rule(who=st.sampled_from(sorted(people)), days=DAYS)
        def record_visit(self, who: str, days: int) -> None:
            with contextlib.suppress(REFUSED):
                pr.record_visit(
                    self.review,
                    by=people[who],
                    visit_date=timezone.localdate() + datetime.timedelta(days=days),
                    notes="Met the board.",
                )

        @rule(who=st.sampled_from(sorted(people)), rating=st.sampled_from([2, 3]))
        def moderate(self, who: str, rating: int) -> None:
            review = self.review
            with contextlib.suppress(REFUSED):
                for standard in review.standards_in_scope():
                    pr.moderate_standard(
                        review, standard, by=people[who], rating=rating, rationale="Agreed.", flag_note="Settled."
                    )

        @rule(who=st.sampled_from(sorted(people)))
        def add_finding(self, who: str) -> None:
            review = self.review
            with contextlib.suppress(REFUSED):
                pr.add_finding(
                    review,
                    by=people[who],
                    kind="strength",
                    text="Trusted.",
                    standards=list(review.standards_in_scope()[:1]),
                )

        @rule(who=st.sampled_from(sorted(people)), data=st.data())
        def agree_finding(self, who: str, data: st.DataObject) -> None:
            findings = self._findings()
            if findings:
                with contextlib.suppress(REFUSED):
                    pr.agree_finding(data.draw(st.sampled_from(findings)), by=people[who])

        @rule(who=st.sampled_from(sorted(people)), kind=st.sampled_from(["accept", "b_fact"]), data=st.data())
        def reply(self, who: str, kind: str, data: st.DataObject) -> None:
            findings = self._findings()
            if findings:
                with contextlib.suppress(REFUSED):
                    pr.reply_to_finding(
                        data.draw(st.sampled_from(findings)), by=people[who], kind=kind, text="Wrong year."
                    )

        @rule(who=st.sampled_from(sorted(people)))
        def submit_replies(self, who: str) -> None:
            with contextlib.suppress(REFUSED):
                pr.submit_replies(self.review, by=people[who])

        @rule(who=st.sampled_from(sorted(people)), decision=st.sampled_from(Reply.Decision.values), data=st.data())
        def decide_reply(self, who: str, decision: str, data: st.DataObject) -> None:
            replies = list(Reply.objects.filter(finding__review_id=pk).order_by("pk"))
            if replies:
                with contextlib.suppress(REFUSED):
                    pr.decide_reply(
                        data.draw(st.sampled_from(replies)),
                        by=people[who],
                        decision=decision,
                        reason="Checked the minutes.",
                        amended_text="Trusted by most groups.",
                    )

        @rule(who=st.sampled_from(sorted(people)), outcome=st.sampled_from(Review.Outcome.values))
        def set_outcome(self, who: str, outcome: str) -> None:
            with contextlib.suppress(REFUSED):
                pr.set_outcome(self.review, by=people[who], outcome=outcome, rationale="A trusted service.")

        @rule(who=st.sampled_from(sorted(people)))
        def consent(self, who: str) -> None:
            with contextlib.suppress(REFUSED):
                pr.give_consent(self.review, by=people[who], kind="publish")

        @rule(who=st.sampled_from(sorted(people)))
        def withdraw_consent(self, who: str) -> None:
            consent = self.review.consents.filter(withdrawn_at__isnull=True).first()
            if consent is not None:
                with contextlib.suppress(REFUSED):
                    pr.withdraw_consent(consent, by=people[who], reason="The board changed its mind.")

        @rule(
            who=st.sampled_from(sorted(people)),
            any_move=st.booleans(),
            visibility=st.sampled_from(Review.Visibility.values),
            data=st.data(),
        )
        def move(self, who: str, any_move: bool, visibility: str, data: st.DataObject) -> None:
            # Mostly a move the review page offers this person; sometimes any move at all.
            review = self.review
            offered = sorted(t.name for t in available_transitions(review, people[who]))
            name = data.draw(st.sampled_from(ALL_MOVES if any_move or not offered else offered))
            with contextlib.suppress(REFUSED):
                pr.perform_review_move(
                    review,
                    name,
                    by=people[who],
                    reason="Checked.",
                    visibility=visibility,
                    grounds="process",
                    statement="The visit was cut short.",
                )

        @invariant()
        def only_the_lead_agrees_findings(self) -> None:
            ids = [str(f.pk) for f in self._findings()]
            agreed_by = AuditEvent.objects.filter(object_type="peerreview.finding", object_id__in=ids, action="agree")
            assert set(agreed_by.values_list("actor_id", flat=True)) <= {lead_reviewer.pk}

        @invariant()
        def nothing_evidenced_or_visited_in_the_future(self) -> None:
            today = timezone.localdate()
            assert not Evidence.objects.filter(review_id=pk, dated_on__gt=today).exists()
            review = self.review
            assert review.visit_date is None or review.visit_date <= today

        @invariant()
        def nothing_published_without_the_steps_before_it(self) -> None:
            review = self.review
            if review.state in PUBLISHED or review.published_at is not None:
                assert review.self_assessment_submitted_at is not None
                assert review.has_outcome() and review.moderation_is_complete()
                assert not review.findings.filter(state=Finding.State.DRAFT).exists()
                assert ReportSnapshot.objects.filter(review=review, kind="final").exists()
                assert review.replies_submitted_at is not None or review.reply_due < timezone.localdate()
            if review.visibility == Review.Visibility.PUBLIC:
                assert "publish" in pr.current_consents(review), "public without the organisation's consent"

        @invariant()
        def nobody_reads_what_is_not_theirs_yet(self) -> None:
            review = self.review
            for name, person in reviewers.items():
                own = review.assignments.filter(reviewer=person).first()
                if own is not None and own.state != Assignment.State.SUBMITTED:
                    seen = pr.ratings_visible_to(person, review)
                    assert all(r.assignment.reviewer_id == person.pk for r in seen), f"{name} saw others' ratings"
            assert pr.ratings_visible_to(contact, review) == []
            for_contact = queries.findings_visible_to(contact, review)
            assert not for_contact.filter(state=Finding.State.DRAFT).exists()
            if not review.draft_issued:
                assert not for_contact.exists(), "the organisation read findings before the draft was issued"

        @invariant()
        def one_audit_event_per_move_and_the_chain_verifies(self) -> None:
            one_event_per_move(self.review)
            for finding in self._findings():
                one_event_per_move(finding)
            for assignment in Assignment.objects.filter(review_id=pk):
                one_event_per_move(assignment)
            assert audit.verify()[1] is None

    run_state_machine_as_test(
        ReviewMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
