"""A peer review of one organisation against one published framework version.

Review.State and its @transition methods are the whole lifecycle on one screen. Smaller state
machines: Assignment (a reviewer on the panel), Finding, Action. Who may make each move is in
peerreview/rules.py; what happens around a move is in peerreview/workflow.py.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import RETURN_VALUE, can_proceed

from core.audit import audited_history
from core.dates import not_in_future, working_days_between
from core.fields import StateField
from core.fsm import ConcurrentTransitionMixin, transition
from core.models import TimeStamped
from organisations.models import Organisation
from standards.models import FrameworkVersion, Indicator, Standard

User = settings.AUTH_USER_MODEL
SPREAD_FLAG = 2  # reviewers differing by this many levels or more must be resolved with a note
APPEAL_WINDOW_WORKING_DAYS = 15
APPEAL_MAX_WORDS = 500
RESPONSE_MAX_WORDS = 500


class Review(ConcurrentTransitionMixin, TimeStamped):
    class State(models.TextChoices):
        SCOPING = "scoping", "Scoping"
        SELF_ASSESSMENT = "self_assessment", "Self-assessment"
        DESK_REVIEW = "desk_review", "Desk review"
        VISIT = "visit", "Visit"
        MODERATION = "moderation", "Moderation"
        QUALITY_ASSURANCE = "quality_assurance", "Quality assurance"
        RIGHT_OF_REPLY = "right_of_reply", "Right of reply"
        REPLY_CONSIDERATION = "reply_consideration", "Considering replies"
        OUTCOME_DECIDED = "outcome_decided", "Outcome decided"
        PUBLISHED = "published", "Published"
        ACTION_PLANNING = "action_planning", "Action planning"
        MONITORING = "monitoring", "Monitoring"
        PROGRESS_REVIEW = "progress_review", "Progress review"
        CLOSED = "closed", "Closed"
        ON_HOLD = "on_hold", "On hold"
        WITHDRAWN = "withdrawn", "Withdrawn"
        CANCELLED = "cancelled", "Cancelled"
        APPEAL = "appeal", "Under appeal"
        REOPENED = "reopened", "Reopened"

    # From the draft report's issue on, the organisation reads the agreed findings and ratings.
    ISSUED_STATES = (
        "right_of_reply",
        "reply_consideration",
        "outcome_decided",
        "published",
        "action_planning",
        "monitoring",
        "progress_review",
        "closed",
        "appeal",
        "reopened",
    )

    class Outcome(models.TextChoices):
        MET = "met", "Met"
        MET_WITH_CONDITIONS = "met_with_conditions", "Met with conditions"
        NOT_YET_MET = "not_yet_met", "Not yet met"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: the organisation and the hub only"
        FUNDERS = "funders", "Shared with named funders, with the organisation's consent"
        PUBLIC = "public", "Public"

    BEFORE_PUBLICATION = [
        State.SCOPING,
        State.SELF_ASSESSMENT,
        State.DESK_REVIEW,
        State.VISIT,
        State.MODERATION,
        State.QUALITY_ASSURANCE,
        State.RIGHT_OF_REPLY,
        State.REPLY_CONSIDERATION,
        State.OUTCOME_DECIDED,
        State.ON_HOLD,
        State.REOPENED,
    ]
    HOLDABLE = [State.SCOPING, State.SELF_ASSESSMENT, State.DESK_REVIEW]
    # An appeal may be lodged within its window whatever the review has moved on to.
    APPEALABLE = [State.PUBLISHED, State.ACTION_PLANNING, State.MONITORING, State.PROGRESS_REVIEW, State.CLOSED]
    # The colour of each state's tag on the pages (`tag_colour`); any other state's is blue.
    TAG_COLOURS = {
        State.CLOSED: "green",
        State.PUBLISHED: "green",
        State.WITHDRAWN: "grey",
        State.CANCELLED: "grey",
        State.ON_HOLD: "orange",
        State.APPEAL: "orange",
        State.REOPENED: "orange",
    }
    # Where each piece of work is open: the workflow refuses outside these states, and the pages
    # offer their links only inside them (through the properties below).
    INVITING = [State.SCOPING, State.SELF_ASSESSMENT, State.DESK_REVIEW]
    RATINGS_HIDDEN = [State.SCOPING, State.SELF_ASSESSMENT, State.DESK_REVIEW]
    WRITING_FINDINGS = [State.DESK_REVIEW, State.VISIT, State.MODERATION]
    RESPONDING = [State.RIGHT_OF_REPLY, State.REPLY_CONSIDERATION, State.OUTCOME_DECIDED]
    PLANNING_ACTIONS = [State.ACTION_PLANNING, State.MONITORING]
    RENEWABLE = [State.MONITORING, State.PROGRESS_REVIEW, State.CLOSED]
    STOPPED = [State.WITHDRAWN, State.CANCELLED]

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reviews")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="reviews")
    coordinator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="coordinated_reviews")
    state = StateField(choices=State.choices, default=State.SCOPING, protected=True)
    scope = models.TextField(blank=True, help_text="Local focus areas agreed with the organisation.")
    in_scope = models.ManyToManyField(Standard, blank=True, related_name="+", help_text="Empty means every standard.")
    position_statement = models.TextField(blank=True)
    self_assessment_due = models.DateField(null=True, blank=True)
    self_assessment_submitted_at = models.DateTimeField(null=True, blank=True)
    desk_review_due = models.DateField(null=True, blank=True)
    visit_date = models.DateField(validators=[not_in_future], null=True, blank=True)
    visit_notes = models.TextField(blank=True)
    reply_due = models.DateField(null=True, blank=True)
    replies_submitted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_rationale = models.TextField(blank=True)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE)
    shared_with = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="shared_reviews",
        help_text="Funders the organisation consented to share with.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    progress_review_due = models.DateField(null=True, blank=True)
    report_version = models.PositiveIntegerField(default=0)
    held_from = models.CharField(max_length=30, blank=True)  # the state to resume after on_hold
    appealed_from = models.CharField(max_length=30, blank=True)  # the state to return to when dismissed
    management_response = models.TextField(
        blank=True, help_text="The organisation's own response, published beside the report; not decided."
    )
    management_response_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous_review = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = audited_history(m2m_fields=[in_scope, shared_with])

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state"], name="review_state_idx"),
            # The review list and the funder home read the newest first, a page at a time.
            models.Index(fields=["created_at"], name="review_created_idx"),
            models.Index(fields=["published_at"], name="review_published_idx"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.organisation.name} ({self.created_at:%Y})" if self.created_at else "Review"

    def get_absolute_url(self) -> str:
        return reverse("peerreview:review-detail", args=[self.pk])

    # --- reads used by guards -----------------------------------------------------------------------
    @property
    def draft_issued(self) -> bool:
        """The draft report has been issued to the organisation (right of reply or later)."""
        return (
            self.state in self.ISSUED_STATES
            or self.published_at is not None
            or (self.reply_due is not None and self.state in (self.State.WITHDRAWN, self.State.CANCELLED))
        )

    @classmethod
    def draft_issued_q(cls, prefix: str = "") -> Q:
        """The SQL twin of `draft_issued` (prefix: the path to the review, e.g. "review__")."""
        return (
            Q(**{f"{prefix}state__in": cls.ISSUED_STATES})
            | Q(**{f"{prefix}published_at__isnull": False})
            | Q(**{f"{prefix}reply_due__isnull": False, f"{prefix}state__in": ["withdrawn", "cancelled"]})
        )

    @property
    def is_scored(self) -> bool:
        return self.framework_version.framework.is_scored

    # --- which work is open now (read by the workflow's refusals and the pages' links alike) -------
    @property
    def scope_is_open(self) -> bool:
        """The scope is agreed during scoping."""
        return self.state == self.State.SCOPING

    @property
    def self_assessment_started(self) -> bool:
        """Scoping is over: the self-assessment page has something to show."""
        return self.state != self.State.SCOPING

    @property
    def self_assessment_is_open(self) -> bool:
        """The organisation may change its self-assessment: in the self-assessment, until submitted."""
        return self.state == self.State.SELF_ASSESSMENT and not self.self_assessment_submitted_at

    @property
    def invites_reviewers(self) -> bool:
        """Reviewers are invited before the desk review ends."""
        return self.state in self.INVITING

    @property
    def ratings_revealed(self) -> bool:
        """The reviewers' ratings are shown from moderation on, once every desk review is in."""
        return self.state not in self.RATINGS_HIDDEN

    @property
    def visit_is_open(self) -> bool:
        return self.state == self.State.VISIT

    @property
    def takes_findings(self) -> bool:
        """Findings are written from the desk review to moderation."""
        return self.state in self.WRITING_FINDINGS

    @property
    def moderation_is_open(self) -> bool:
        return self.state == self.State.MODERATION

    @property
    def replies_are_open(self) -> bool:
        """The organisation may reply to the findings: right of reply, until the replies are submitted."""
        return self.state == self.State.RIGHT_OF_REPLY and not self.replies_submitted_at

    @property
    def considering_replies(self) -> bool:
        """The panel considers the replies: challenges are decided and the outcome proposed."""
        return self.state == self.State.REPLY_CONSIDERATION

    @property
    def awaits_publication(self) -> bool:
        """The outcome is decided and the report waits to be published (the `publish` move starts here)."""
        return can_proceed(self.publish, check_conditions=False)

    @property
    def takes_management_response(self) -> bool:
        """The management response is written from the draft's issue until publication."""
        return self.state in self.RESPONDING

    @property
    def takes_actions(self) -> bool:
        """Actions are added during action planning and monitoring."""
        return self.state in self.PLANNING_ACTIONS

    @property
    def renewable(self) -> bool:
        """A renewal starts once the review has reached monitoring."""
        return self.state in self.RENEWABLE

    @property
    def under_appeal(self) -> bool:
        return self.state == self.State.APPEAL

    @property
    def report_in_question(self) -> bool:
        """The published report is under appeal or reopened: a new version may replace it."""
        return self.state in (self.State.APPEAL, self.State.REOPENED)

    def standards_in_scope(self) -> models.QuerySet[Standard]:
        chosen = self.in_scope.all()
        return chosen if chosen.exists() else self.framework_version.standards.all()

    def indicators_in_scope(self) -> models.QuerySet[Indicator]:
        return Indicator.objects.filter(standard__in=self.standards_in_scope())

    def active_assignments(self) -> models.QuerySet[Assignment]:
        return self.assignments.exclude(state__in=Assignment.INACTIVE)

    # --- guards (first docstring line is what people read when a guard is unmet) ------------------
    def has_scope(self) -> bool:
        """The scope has been written down"""
        return bool(self.scope.strip())

    def self_assessment_is_submitted(self) -> bool:
        """The organisation has submitted its self-assessment"""
        return self.self_assessment_submitted_at is not None

    def panel_is_complete(self) -> bool:
        """A lead reviewer and at least one other reviewer have accepted"""
        accepted = self.assignments.filter(state__in=Assignment.WORKING)
        return (
            accepted.filter(role=Assignment.Role.LEAD).exists() and accepted.filter(role=Assignment.Role.PEER).exists()
        )

    def all_reviewers_submitted(self) -> bool:
        """Every reviewer on the panel has submitted their desk review"""
        working = self.assignments.filter(state__in=Assignment.WORKING)
        return working.exists() and not working.exclude(state=Assignment.State.SUBMITTED).exists()

    def has_visit_record(self) -> bool:
        """The visit date and notes are recorded"""
        return bool(self.visit_date and self.visit_notes.strip())

    def moderation_is_complete(self) -> bool:
        """Every standard in scope has an agreed rating, and every wide disagreement has a note"""
        if not self.is_scored:
            return True
        standards = set(self.standards_in_scope().values_list("pk", flat=True))
        moderated = {m.standard_id: m for m in self.moderated_ratings.all()}
        if standards - set(moderated):
            return False
        flagged = set(spread_flags(self))
        return all(moderated[pk].flag_note.strip() for pk in flagged if pk in moderated)

    def has_agreed_findings(self) -> bool:
        """There is at least one finding and every finding is agreed"""
        findings = self.findings.exclude(state=Finding.State.WITHDRAWN)
        return findings.exists() and not findings.filter(state=Finding.State.DRAFT).exists()

    def replies_are_in_or_overdue(self) -> bool:
        """The organisation has submitted its replies, or the reply deadline has passed"""
        return self.replies_submitted_at is not None or bool(self.reply_due and timezone.localdate() > self.reply_due)

    def every_challenge_is_decided(self) -> bool:
        """Every challenge to a finding has a decision"""
        return not Reply.objects.filter(finding__review=self, kind__in=Reply.CHALLENGES, decision="").exists()

    def has_outcome(self) -> bool:
        """An outcome has been chosen, with its rationale"""
        return bool(self.outcome and self.outcome_rationale.strip())

    def has_actions(self) -> bool:
        """There is at least one action, and every action is agreed"""
        actions = self.actions.all()
        return actions.exists() and not actions.filter(state=Action.State.PROPOSED).exists()

    def actions_are_settled(self) -> bool:
        """Every action is verified or dropped"""
        return not self.actions.exclude(state__in=[Action.State.VERIFIED, Action.State.DROPPED]).exists()

    def within_appeal_window(self) -> bool:
        """The appeal window (15 working days after publication) is still open"""
        if not self.published_at:
            return False
        return working_days_between(self.published_at.date(), timezone.localdate()) <= APPEAL_WINDOW_WORKING_DAYS

    # --- the lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.SCOPING,
        target=State.SELF_ASSESSMENT,
        conditions=[has_scope],
        permission="peerreview.coordinate_review",
        custom={"label": "Start self-assessment", "style": "primary"},
    )
    def start_self_assessment(self, due: datetime.date | None = None) -> None:
        self.self_assessment_due = due

    @transition(
        field=state,
        source=State.SELF_ASSESSMENT,
        target=State.DESK_REVIEW,
        conditions=[self_assessment_is_submitted, panel_is_complete],
        permission="peerreview.coordinate_review",
        custom={"label": "Start desk review", "style": "primary"},
    )
    def start_desk_review(self, due: datetime.date | None = None) -> None:
        self.desk_review_due = due

    @transition(
        field=state,
        source=State.DESK_REVIEW,
        target=State.VISIT,
        conditions=[all_reviewers_submitted],
        permission="peerreview.lead_review",
        custom={"label": "Go to the visit"},
    )
    def plan_visit(self) -> None:
        pass

    @transition(
        field=state,
        source=State.DESK_REVIEW,
        target=State.MODERATION,
        conditions=[all_reviewers_submitted],
        permission="peerreview.lead_review",
        custom={"label": "Skip the visit and moderate", "reason_required": True},
    )
    def skip_visit(self) -> None:
        pass

    @transition(
        field=state,
        source=State.VISIT,
        target=State.MODERATION,
        conditions=[has_visit_record],
        permission="peerreview.lead_review",
        custom={"label": "Start moderation", "style": "primary"},
    )
    def start_moderation(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MODERATION,
        target=State.QUALITY_ASSURANCE,
        conditions=[moderation_is_complete, has_agreed_findings],
        permission="peerreview.lead_review",
        custom={"label": "Send for quality assurance", "style": "primary"},
    )
    def submit_for_quality_assurance(self) -> None:
        pass

    @transition(
        field=state,
        source=State.QUALITY_ASSURANCE,
        target=State.MODERATION,
        permission="peerreview.assure_review",
        custom={"label": "Send back to moderation", "reason_required": True, "style": "warning"},
    )
    def return_to_moderation(self) -> None:
        pass

    @transition(
        field=state,
        source=State.QUALITY_ASSURANCE,
        target=State.RIGHT_OF_REPLY,
        permission="peerreview.assure_review",
        custom={"label": "Issue the draft report", "style": "primary"},
    )
    def issue_draft(self, reply_due: datetime.date | None = None) -> None:
        self.reply_due = reply_due
        self.replies_submitted_at = None

    @transition(
        field=state,
        source=State.RIGHT_OF_REPLY,
        target=State.REPLY_CONSIDERATION,
        conditions=[replies_are_in_or_overdue],
        permission="peerreview.consider_replies",
        custom={"label": "Consider the replies", "style": "primary"},
    )
    def consider_replies(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REPLY_CONSIDERATION,
        target=State.OUTCOME_DECIDED,
        conditions=[every_challenge_is_decided, has_outcome],
        permission="peerreview.assure_review",
        custom={"label": "Confirm the outcome", "style": "primary"},
    )
    def decide_outcome(self) -> None:
        pass

    @transition(
        field=state,
        source=State.OUTCOME_DECIDED,
        target=State.PUBLISHED,
        permission="peerreview.coordinate_review",
        custom={
            "label": "Publish the report",
            "style": "primary",
            "form": "peerreview:review-publish",
            "inputs": "peerreview.forms.PublishForm",
        },
    )
    def publish(self, valid_until: datetime.date | None = None) -> None:
        self.published_at = timezone.now()
        self.valid_until = valid_until

    @transition(
        field=state,
        source=State.PUBLISHED,
        target=State.ACTION_PLANNING,
        permission="peerreview.plan_actions",
        custom={"label": "Start the action plan", "style": "primary"},
    )
    def start_action_planning(self) -> None:
        pass

    @transition(
        field=state,
        source=State.ACTION_PLANNING,
        target=State.MONITORING,
        conditions=[has_actions],
        permission="peerreview.coordinate_review",
        custom={"label": "Accept the action plan", "style": "primary"},
    )
    def accept_action_plan(self, progress_review_due: datetime.date | None = None) -> None:
        self.progress_review_due = progress_review_due

    @transition(
        field=state,
        source=State.MONITORING,
        target=State.PROGRESS_REVIEW,
        permission="peerreview.coordinate_review",
        custom={"label": "Start the progress review"},
    )
    def start_progress_review(self) -> None:
        pass

    @transition(
        field=state,
        source=State.PROGRESS_REVIEW,
        target=State.CLOSED,
        conditions=[actions_are_settled],
        permission="peerreview.coordinate_review",
        custom={"label": "Close the review", "style": "primary"},
    )
    def close(self) -> None:
        pass

    # --- side paths ---------------------------------------------------------------------------------
    @transition(
        field=state,
        source=HOLDABLE,
        target=State.ON_HOLD,
        permission="peerreview.coordinate_review",
        custom={"label": "Put on hold", "reason_required": True, "style": "warning"},
    )
    def hold(self) -> None:
        self.held_from = self.state

    @transition(
        field=state,
        source=State.ON_HOLD,
        target=RETURN_VALUE(*HOLDABLE),
        permission="peerreview.coordinate_review",
        custom={"label": "Resume"},
    )
    def resume(self) -> str:
        resumed, self.held_from = self.held_from or self.State.SCOPING, ""
        return resumed

    @transition(
        field=state,
        source=BEFORE_PUBLICATION,
        target=State.WITHDRAWN,
        permission="peerreview.withdraw_review",
        custom={"label": "Withdraw from the review", "reason_required": True, "style": "warning"},
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=BEFORE_PUBLICATION,
        target=State.CANCELLED,
        permission="peerreview.coordinate_review",
        custom={"label": "Cancel the review", "reason_required": True, "style": "warning"},
    )
    def cancel(self) -> None:
        pass

    @transition(
        field=state,
        source=APPEALABLE,
        target=State.APPEAL,
        conditions=[within_appeal_window],
        permission="peerreview.appeal_review",
        custom={
            "label": "Appeal on grounds of process or fact",
            "reason_required": True,
            "style": "warning",
            "form": "peerreview:review-appeal",
            "inputs": "peerreview.forms.AppealGroundsForm",
        },
    )
    def appeal(self) -> None:
        self.appealed_from = self.state

    @transition(
        field=state,
        source=State.APPEAL,
        target=RETURN_VALUE(*APPEALABLE),
        permission="peerreview.decide_appeal",
        custom={"label": "Dismiss the appeal", "reason_required": True, "form": "peerreview:review-appeal"},
    )
    def dismiss_appeal(self) -> str:
        back, self.appealed_from = self.appealed_from or self.State.PUBLISHED, ""
        return back

    @transition(
        field=state,
        source=State.APPEAL,
        target=State.REOPENED,
        permission="peerreview.decide_appeal",
        custom={
            "label": "Uphold the appeal",
            "reason_required": True,
            "style": "warning",
            "form": "peerreview:review-appeal",
        },
    )
    def uphold_appeal(self) -> None:
        self.appealed_from = ""

    @transition(
        field=state,
        source=[State.PUBLISHED, State.ACTION_PLANNING, State.MONITORING],
        target=State.REOPENED,
        permission="peerreview.coordinate_review",
        custom={"label": "Reopen the review", "reason_required": True, "style": "warning"},
    )
    def reopen(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REOPENED,
        target=State.MODERATION,
        permission="peerreview.coordinate_review",
        custom={"label": "Return to moderation", "style": "primary"},
    )
    def remoderate(self) -> None:
        pass

    def acting_role(self, user: Any) -> str:
        assignment = self.assignments.filter(reviewer=user, state__in=Assignment.WORKING).first()
        if assignment:
            return "lead_reviewer" if assignment.role == Assignment.Role.LEAD else "reviewer"
        if user.has_role("contact", organisation=self.organisation_id):
            return "contact"
        if user.has_role("coordinator"):
            return "coordinator"
        if user.has_role("quality_panel"):
            return "quality_panel"
        if user.has_role("appeals_group"):
            return "appeals_group"
        return "administrator" if user.has_role("administrator") or user.is_superuser else ""


def spread_flags(review: Review) -> dict[int, tuple[int, int]]:
    """Standards where submitted reviewer ratings differ by SPREAD_FLAG or more: {standard: (low, high)}."""
    spans: dict[int, list[int]] = {}
    ratings = ReviewerRating.objects.filter(
        assignment__review=review, assignment__state__in=[Assignment.State.SUBMITTED], rating__isnull=False
    ).values_list("standard_id", "rating")
    for standard_id, rating in ratings:
        if rating is not None:  # filtered out above; the column is nullable
            spans.setdefault(standard_id, []).append(rating)
    return {pk: (min(v), max(v)) for pk, v in spans.items() if max(v) - min(v) >= SPREAD_FLAG}


class Assignment(ConcurrentTransitionMixin, TimeStamped):
    """A reviewer on a review's panel."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead reviewer"
        PEER = "peer", "Peer reviewer"

    class State(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for more work"
        REPLACED = "replaced", "Replaced"

    WORKING = [State.ACCEPTED, State.SUBMITTED, State.RETURNED]
    INACTIVE = [State.DECLINED, State.REPLACED]
    SCORING = [State.ACCEPTED, State.RETURNED]

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PEER)
    state = StateField(choices=State.choices, default=State.INVITED, protected=True)
    respond_by = models.DateField(null=True, blank=True)
    declaration_signed_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    conflicts_found = models.JSONField(default=list, blank=True)  # what the checks found at invitation
    waiver_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="The reviewer's desk review notes.")

    history = audited_history()

    class Meta:
        ordering = ["review", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reviewer"],
                condition=~Q(state__in=["declined", "replaced"]),
                name="assignment_one_active_per_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} ({self.get_role_display()}) on {self.review}"

    @property
    def awaits_answer(self) -> bool:
        """The reviewer has been invited and has not yet accepted or declined."""
        return self.state == self.State.INVITED

    @property
    def is_active(self) -> bool:
        """Still on the panel or invited to it (not declined or replaced)."""
        return self.state not in self.INACTIVE

    @property
    def desk_review_is_open(self) -> bool:
        """The reviewer may rate: accepted (or returned for more work) while the review is in desk review."""
        return self.state in self.SCORING and self.review.state == Review.State.DESK_REVIEW

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._forget_panel_places()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._forget_panel_places()
        return super().delete(*args, **kwargs)

    def _forget_panel_places(self) -> None:
        # peerreview.rules.panel_places memoises the person's places on the review instance.
        review = self._state.fields_cache.get("review")
        if review is not None:
            review.__dict__.pop("_panel_places", None)

    def has_rated_every_standard(self) -> bool:
        """Every standard in scope has a rating and a rationale"""
        if not self.review.is_scored:
            return bool(self.notes.strip())
        needed = set(self.review.standards_in_scope().values_list("pk", flat=True))
        rated = set(
            self.ratings.filter(rating__isnull=False).exclude(rationale="").values_list("standard_id", flat=True)
        )
        return needed <= rated

    @transition(
        field=state,
        source=State.INVITED,
        target=State.ACCEPTED,
        permission="peerreview.respond_assignment",
        custom={
            "label": "Accept and sign the declaration",
            "style": "primary",
            "inputs": "peerreview.forms.AcceptForm",
        },
    )
    def accept(self) -> None:
        self.declaration_signed_at = timezone.now()

    @transition(
        field=state,
        source=State.INVITED,
        target=State.DECLINED,
        permission="peerreview.respond_assignment",
        custom={"label": "Decline", "reason_required": True, "style": "warning"},
    )
    def decline(self, why: str = "") -> None:
        self.decline_reason = why

    @transition(
        field=state,
        source=State.DECLINED,
        target=State.INVITED,
        permission="peerreview.coordinate_assignment",
        custom={"label": "Reinstate the invitation", "reason_required": True},
    )
    def reinstate(self) -> None:
        self.decline_reason = ""

    @transition(
        field=state,
        source=[State.ACCEPTED, State.RETURNED],
        target=State.SUBMITTED,
        conditions=[has_rated_every_standard],
        permission="peerreview.score_assignment",
        custom={"label": "Submit my desk review", "style": "primary"},
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=State.SUBMITTED,
        target=State.RETURNED,
        permission="peerreview.return_assignment",
        custom={
            "label": "Return for more work",
            "reason_required": True,
            "style": "warning",
            "refusal": "Only the review's lead reviewer returns a desk review for more work, and never their "
            "own; the hub coordinates but does not judge.",
        },
    )
    def return_for_work(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.INVITED, State.ACCEPTED, State.RETURNED],
        target=State.REPLACED,
        permission="peerreview.coordinate_assignment",
        custom={"label": "Replace this reviewer", "reason_required": True, "style": "warning"},
    )
    def replace(self) -> None:
        pass


class SelfRating(TimeStamped):
    """The organisation's own view of one indicator, with its evidence or an explicit "no evidence"."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="self_ratings")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    commentary = models.TextField(blank=True)
    no_evidence = models.BooleanField(default=False)
    no_evidence_note = models.TextField(blank=True)

    history = audited_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "indicator"], name="self_rating_unique")]

    def __str__(self) -> str:
        return f"Self-rating of {self.indicator_id} in review {self.review_id}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/review-{instance.review_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Evidence(TimeStamped):
    """A dated document supporting the self-assessment; served only through a permission check."""

    STALE_AFTER_DAYS = 3 * 365

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    dated_on = models.DateField(validators=[not_in_future], help_text="The date of the document itself.")
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = audited_history(m2m_fields=[indicators])

    class Meta:
        ordering = ["review", "-dated_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_stale(self) -> bool:
        return (timezone.localdate() - self.dated_on).days > self.STALE_AFTER_DAYS


class ReviewerRating(TimeStamped):
    """One reviewer's independent rating of one standard. Hidden from the others until they submit."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="ratings")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    history = audited_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "standard"], name="reviewer_rating_unique")]

    def __str__(self) -> str:
        return f"{self.assignment.reviewer}: {self.standard.code} = {self.rating}"


class ModeratedRating(TimeStamped):
    """The panel's agreed rating of one standard, with the rationale and, if flagged, the note."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderated_ratings")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField()
    rationale = models.TextField()
    flag_note = models.TextField(blank=True, help_text="Why the panel settled a wide disagreement this way.")

    history = audited_history()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "standard"], name="moderated_rating_unique")]

    def __str__(self) -> str:
        return f"{self.standard.code} = {self.rating}"


class Finding(ConcurrentTransitionMixin, TimeStamped):
    class Kind(models.TextChoices):
        STRENGTH = "strength", "Strength"
        DEVELOPMENT = "development", "Area for development"
        RECOMMENDATION = "recommendation", "Recommendation"
        CONDITION = "condition", "Condition"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        CHALLENGED = "challenged", "Challenged"
        UPHELD = "upheld", "Upheld"
        AMENDED = "amended", "Amended"
        WITHDRAWN = "withdrawn", "Withdrawn"
        FINAL = "final", "Final"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    # Who wrote it: until moderation agrees it, a draft is theirs (and the hub's) alone (issue #16).
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    standards = models.ManyToManyField(Standard, blank=True, related_name="+")
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="findings")
    state = StateField(choices=State.choices, default=State.DRAFT, protected=True)
    original_text = models.TextField(blank=True, help_text="The wording before an amendment.")

    history = audited_history(m2m_fields=[standards, evidence])

    class Meta:
        ordering = ["review", "kind", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.AGREED,
        permission="peerreview.judge_review",
        custom={
            "label": "Agree",
            "refusal": "Only the review's lead reviewer agrees findings; the hub coordinates but does not judge.",
        },
    )
    def agree(self) -> None:
        pass

    @transition(field=state, source=State.AGREED, target=State.CHALLENGED, permission="peerreview.reply_finding")
    def challenge(self) -> None:
        pass

    @transition(field=state, source=State.CHALLENGED, target=State.UPHELD, permission="peerreview.decide_reply")
    def uphold(self) -> None:
        pass

    @transition(field=state, source=State.CHALLENGED, target=State.AMENDED, permission="peerreview.decide_reply")
    def amend(self, text: str = "") -> None:
        self.original_text, self.text = self.text, text or self.text

    @transition(
        field=state,
        source=[State.DRAFT, State.CHALLENGED],
        target=State.WITHDRAWN,
        permission="peerreview.decide_reply",
    )
    def withdraw(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.AGREED, State.UPHELD, State.AMENDED],
        target=State.FINAL,
        permission="peerreview.coordinate_review",
    )
    def finalise(self) -> None:
        pass


class Reply(TimeStamped):
    """The organisation's answer to one finding, and the decision on any challenge."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", "We accept this finding"
        TYPO = "a_typo", "(A) A typing error or wrong figure"
        FACT = "b_fact", "(B) Factually wrong, and here is the evidence"
        MISSED = "c_missed", "(C) Evidence existed at the time but was missed"

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        PARTLY = "partly", "Partly accepted"
        REJECTED = "rejected", "Rejected"

    CHALLENGES = [Kind.TYPO, Kind.FACT, Kind.MISSED]

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="reply")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField(blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    history = audited_history()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to finding {self.finding_id}"

    @property
    def is_challenge(self) -> bool:
        return self.kind in self.CHALLENGES

    def clean(self) -> None:
        if self.kind == self.Kind.FACT and not (self.text.strip() and self.evidence_id):
            raise ValidationError({"evidence": "A factual challenge needs an explanation and the evidence."})
        if self.kind in {self.Kind.TYPO, self.Kind.MISSED} and not self.text.strip():
            raise ValidationError({"text": "Explain the challenge."})


class ExtensionRequest(TimeStamped):
    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting a decision"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    working_days = models.PositiveSmallIntegerField()
    reason = models.TextField()
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    def __str__(self) -> str:
        return f"Extension of {self.working_days} working days for {self.review}"


class Appeal(TimeStamped):
    """The organisation's appeal against a published review (grounds of process or fact, up to 500
    words), and the decision of an appeals group member who had no earlier part in the review."""

    class Grounds(models.TextChoices):
        PROCESS = "process", "Process: the review was not carried out as the method says"
        FACT = "fact", "Fact: the judgement rests on facts that are wrong"

    class Decision(models.TextChoices):
        DISMISSED = "dismissed", "Dismissed"
        UPHELD = "upheld", "Upheld"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.CharField(max_length=10, choices=Grounds.choices)
    statement = models.TextField()
    lodged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["review", "-created_at"]

    def __str__(self) -> str:
        return f"Appeal on {self.get_grounds_display().split(':')[0].lower()} grounds against {self.review}"

    def clean(self) -> None:
        words = len(self.statement.split())
        if not words:
            raise ValidationError({"statement": "Say what went wrong and why it changes the result."})
        if words > APPEAL_MAX_WORDS:
            raise ValidationError(
                {"statement": f"An appeal is up to {APPEAL_MAX_WORDS} words; this one has {words:,}."}
            )


class Consent(TimeStamped):
    """The organisation's consent to publish its report, or to share it with one named funder. Given
    and withdrawn by the organisation's contacts only; a withdrawn consent keeps its row."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", "Publish the report for anyone to read"
        FUNDER = "funder", "Share the report with a named funder"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    funder = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    given_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawal_reason = models.TextField(blank=True)

    history = audited_history()

    class Meta:
        ordering = ["review", "-created_at"]

    def __str__(self) -> str:
        what = f"share with {self.funder}" if self.funder_id else "publish"
        return f"Consent to {what} ({'withdrawn' if self.withdrawn_at else 'current'})"

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class Action(ConcurrentTransitionMixin, TimeStamped):
    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        SLIPPED = "slipped", "Slipped"
        DROPPED = "dropped", "Dropped"
        VERIFIED = "verified", "Verified"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    text = models.TextField()
    owner = models.CharField(max_length=150, help_text="Who at the organisation is responsible.")
    due_on = models.DateField()
    state = StateField(choices=State.choices, default=State.PROPOSED, protected=True)
    progress = models.TextField(blank=True)

    history = audited_history()

    class Meta:
        ordering = ["review", "due_on"]

    def __str__(self) -> str:
        return self.text[:80]

    @transition(field=state, source=State.PROPOSED, target=State.AGREED, permission="peerreview.coordinate_review")
    def agree(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.AGREED, State.SLIPPED],
        target=State.IN_PROGRESS,
        permission="peerreview.plan_actions",
    )
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.AGREED, State.IN_PROGRESS, State.SLIPPED],
        target=State.DONE,
        permission="peerreview.plan_actions",
        custom={"label": "Mark as done"},
    )
    def complete(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.AGREED, State.IN_PROGRESS],
        target=State.SLIPPED,
        permission="peerreview.plan_actions",
        custom={"reason_required": True},
    )
    def slip(self, due_on: datetime.date | None = None) -> None:
        if due_on:
            self.due_on = due_on

    @transition(
        field=state,
        source=[State.PROPOSED, State.AGREED, State.IN_PROGRESS, State.SLIPPED],
        target=State.DROPPED,
        permission="peerreview.coordinate_review",
        custom={"reason_required": True},
    )
    def drop(self) -> None:
        pass

    @transition(field=state, source=State.DONE, target=State.VERIFIED, permission="peerreview.coordinate_review")
    def verify(self) -> None:
        pass


class ReportSnapshot(models.Model):
    """The frozen data behind a report version. Never edited: a new version is a new row."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=[("draft", "Draft for reply"), ("final", "Published")])
    data = models.JSONField()
    fingerprint = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["review", "-version", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["review", "version", "kind"], name="snapshot_unique_version")]

    def __str__(self) -> str:
        return f"{self.review} report v{self.version} ({self.kind})"

    @staticmethod
    def fingerprint_of(data: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("A report snapshot is never changed; reopen the review to make a new version.")
        super().save(*args, **kwargs)


class SeenReceipt(models.Model):
    """Who first saw a finding or a reply, and when ("seen by")."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["finding", "person"], name="seen_once")]

    def __str__(self) -> str:
        return f"Finding {self.finding_id} seen by {self.person_id}"


class ReminderLog(models.Model):
    """One row per reminder queued: the unique key makes `send_reminders` safe to run repeatedly.

    The row and the queued email are written in one transaction, so a reminder is never recorded
    without its email; it counts as sent only once the outbox's log shows `message_id` delivered.
    """

    key = models.CharField(max_length=200, unique=True)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reminders")
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)  # when queued
    message_id = models.CharField(max_length=255, blank=True, default="")

    def __str__(self) -> str:
        return self.key

    @property
    def delivered(self) -> bool:
        """The mail server accepted this reminder's email."""
        from core.emails import delivered

        return bool(self.message_id) and self.message_id in delivered([self.message_id])


class ReminderRun(models.Model):
    """One row per run of the reminders (the health check warns when the last one is too old)."""

    finished_at = models.DateTimeField(default=timezone.now, db_index=True)
    queued = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}: {self.queued}"
