"""Interim management: a voluntary interim CEO or manager placement (not a regulator-appointed
statutory interim manager, which is an escalation of the parent case).

need_identified → brief_agreed → sourcing → matched → contracted → in_post ⇄ review → handover →
ended. The panel agrees the brief and its budget (four eyes, as for a turnaround plan); the case
team does the rest. Reviews are InterimReview rows, due every 4–6 weeks while the interim is in post.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from casework.models.case import Case
from casework.models.pathway import PathwayRecord
from casework.models.tools import CaseDocument
from core.audit import audited_history
from core.dates import not_in_future
from core.fields import StateField
from core.fsm import transition
from core.models import TimeStamped

User = settings.AUTH_USER_MODEL

MIN_CANDIDATES = 2  # a shortlist of 2–3 candidates
REVIEW_EVERY_WEEKS = (4, 6)  # reviews are due every 4–6 weeks while in post


class Interim(PathwayRecord):
    pathway = Case.Pathway.INTERIM

    class State(models.TextChoices):
        NEED_IDENTIFIED = "need_identified", "Need identified"
        BRIEF_AGREED = "brief_agreed", "Brief agreed"
        SOURCING = "sourcing", "Sourcing candidates"
        MATCHED = "matched", "Matched"
        CONTRACTED = "contracted", "Contracted"
        IN_POST = "in_post", "In post"
        REVIEW = "review", "Under review"
        HANDOVER = "handover", "Handover"
        ENDED = "ended", "Ended"

    class Recruitment(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        RECRUITING = "recruiting", "Recruiting"
        APPOINTED = "appointed", "Appointed"
        NOT_NEEDED = "not_needed", "Not needed (the board decided)"

    EXIT_STATES = (State.ENDED,)

    state = StateField(choices=State.choices, default=State.NEED_IDENTIFIED, protected=True)
    # Brief
    need = models.TextField(blank=True, help_text="Why the organisation needs an interim.")
    scope = models.TextField(blank=True)
    deliverables = models.TextField(blank=True)
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Usually 4 to 8 months.")
    day_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    budget_source = models.CharField(max_length=300, blank=True, help_text="Who pays, and from which budget.")
    board_sponsor = models.CharField(max_length=200, blank=True, help_text="The named trustee who sponsors it.")
    role_needs_dbs = models.BooleanField(default=False, help_text="The role needs a DBS check.")
    brief_agreed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Match and contract
    chosen = models.ForeignKey("casework.Candidate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_on = models.DateField(null=True, blank=True)
    reporting_line = models.CharField(max_length=300, blank=True, help_text="Who on the board the interim reports to.")
    review_started_at = models.DateTimeField(null=True, blank=True)
    # Handover
    done_summary = models.TextField(blank=True, help_text="Exit report: what was done.")
    left_for_permanent = models.TextField(blank=True, help_text="Exit report: what is left for the permanent CEO.")
    in_progress = models.TextField(blank=True, help_text="Exit report: what is in progress and documented.")
    permanent_ceo_status = models.CharField(max_length=20, choices=Recruitment.choices, blank=True)
    sponsor_signed_off_on = models.DateField(validators=[not_in_future], null=True, blank=True)

    history = audited_history()

    def get_absolute_url(self) -> str:
        return reverse("casework:interim", args=[self.case_id])

    IN_POST_STATES = (State.IN_POST, State.REVIEW, State.HANDOVER)

    def open_obligations(self) -> list[str]:
        if self.state in self.IN_POST_STATES:
            return [f"The interim manager is still in post ({self.get_state_display().lower()})"]
        return []

    @property
    def budget(self) -> Any:
        """Day rate × about 21 working days a month × months: the figure the panel agrees."""
        if self.day_rate is None or not self.duration_months:
            return None
        return self.day_rate * 21 * self.duration_months

    def next_review_due(self) -> datetime.date | None:
        """Six weeks after the last review (or the start date) while the interim is in post."""
        if self.state not in (self.State.IN_POST, self.State.REVIEW):
            return None
        last = self.reviews.order_by("-held_on").values_list("held_on", flat=True).first() or self.start_on
        return last + datetime.timedelta(weeks=REVIEW_EVERY_WEEKS[1]) if last else None

    @property
    def takes_candidates(self) -> bool:
        """Candidates are considered once the brief is agreed, while sourcing."""
        return self.state in (self.State.BRIEF_AGREED, self.State.SOURCING)

    @property
    def is_sourcing(self) -> bool:
        """Candidates are being sourced: one of them may be chosen."""
        return self.state == self.State.SOURCING

    @property
    def under_review(self) -> bool:
        """A placement review has been started and is recorded now."""
        return self.state == self.State.REVIEW

    @property
    def review_overdue(self) -> bool:
        due = self.next_review_due()
        return due is not None and due < timezone.localdate()

    # --- guards (the first docstring paragraph is the refusal text) --------------------------
    def scope_set(self) -> bool:
        """The scope and deliverables are set"""
        return bool(self.scope.strip() and self.deliverables.strip())

    def duration_set(self) -> bool:
        """The duration in months is set"""
        return bool(self.duration_months)

    def costs_agreed(self) -> bool:
        """The day rate and the budget source are agreed"""
        return self.day_rate is not None and bool(self.budget_source.strip())

    def has_sponsor(self) -> bool:
        """A named board sponsor is recorded"""
        return bool(self.board_sponsor.strip())

    def enough_candidates(self) -> bool:
        """At least two candidates were considered"""
        return self.candidates.count() >= MIN_CANDIDATES

    def candidate_chosen(self) -> bool:
        """A candidate is chosen"""
        return self.chosen_id is not None

    def conflict_checked(self) -> bool:
        """The chosen candidate's conflict check is recorded"""
        return self.chosen is not None and self.chosen.conflict_checked_on is not None

    def references_taken(self) -> bool:
        """The chosen candidate's references are taken"""
        return self.chosen is not None and self.chosen.references_checked_on is not None

    def dbs_checked_if_needed(self) -> bool:
        """The chosen candidate has a DBS check where the role needs one"""
        return not self.role_needs_dbs or (self.chosen is not None and self.chosen.dbs_checked_on is not None)

    def agreement_attached(self) -> bool:
        """The signed agreement is attached"""
        return self.case.has_document(CaseDocument.Slot.AGREEMENT)

    def start_date_set(self) -> bool:
        """The start date is recorded"""
        return self.start_on is not None

    def reporting_line_set(self) -> bool:
        """The reporting line to the board is recorded"""
        return bool(self.reporting_line.strip())

    def reviewed(self) -> bool:
        """A review is recorded for this review period"""
        return self._latest_review() is not None

    def review_says_continue(self) -> bool:
        """This period's review decided to continue the placement"""
        latest = self._latest_review()
        return latest is not None and latest.continue_placement

    def review_says_end(self) -> bool:
        """This period's review decided to move to handover"""
        latest = self._latest_review()
        return latest is not None and not latest.continue_placement

    def exit_report_complete(self) -> bool:
        """The exit report is attached and says what was done, what is left for the permanent CEO and what
        is in progress"""
        covered = all(t.strip() for t in (self.done_summary, self.left_for_permanent, self.in_progress))
        return covered and self.case.has_document(CaseDocument.Slot.EXIT_REPORT)

    def recruitment_recorded(self) -> bool:
        """The permanent CEO recruitment status is recorded"""
        return bool(self.permanent_ceo_status)

    def sponsor_signed_off(self) -> bool:
        """The board sponsor has signed off (date recorded)"""
        return self.sponsor_signed_off_on is not None

    def _latest_review(self) -> InterimReview | None:
        if self.review_started_at is None:
            return None
        return self.reviews.filter(recorded_at__gte=self.review_started_at).order_by("-recorded_at").first()

    # --- lifecycle ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.NEED_IDENTIFIED,
        target=State.BRIEF_AGREED,
        conditions=[PathwayRecord.case_is_active, scope_set, duration_set, costs_agreed, has_sponsor],
        permission="casework.approve_pathway",
        custom={"label": "Agree the brief and budget", "style": "primary"},
    )
    def agree_brief(self, approver: Any = None) -> None:
        self.brief_agreed_by = approver

    @transition(
        field=state,
        source=State.BRIEF_AGREED,
        target=State.SOURCING,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Start sourcing candidates", "style": "primary"},
    )
    def source(self) -> None:
        pass

    @transition(
        field=state,
        source=State.SOURCING,
        target=State.MATCHED,
        conditions=[
            PathwayRecord.case_is_active,
            enough_candidates,
            candidate_chosen,
            conflict_checked,
            references_taken,
            dbs_checked_if_needed,
        ],
        permission="casework.work_case",
        custom={"label": "Record the match", "style": "primary"},
    )
    def match(self) -> None:
        pass

    @transition(
        field=state,
        source=State.MATCHED,
        target=State.CONTRACTED,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Record the contract", "style": "primary"},
    )
    def contract(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CONTRACTED,
        target=State.IN_POST,
        conditions=[PathwayRecord.case_is_active, agreement_attached, start_date_set, reporting_line_set],
        permission="casework.work_case",
        custom={"label": "The interim is in post", "style": "primary"},
    )
    def start_placement(self) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_POST,
        target=State.REVIEW,
        conditions=[PathwayRecord.case_is_active],
        permission="casework.work_case",
        custom={"label": "Start a review"},
    )
    def review(self) -> None:
        self.review_started_at = timezone.now()

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.IN_POST,
        conditions=[PathwayRecord.case_is_active, review_says_continue],
        permission="casework.work_case",
        custom={"label": "Continue the placement"},
    )
    def continue_placement(self) -> None:
        pass

    @transition(
        field=state,
        source=State.REVIEW,
        target=State.HANDOVER,
        conditions=[PathwayRecord.case_is_active, review_says_end],
        permission="casework.work_case",
        custom={"label": "Start the handover", "style": "primary"},
    )
    def hand_over(self) -> None:
        pass

    @transition(
        field=state,
        source=State.HANDOVER,
        target=State.ENDED,
        conditions=[PathwayRecord.case_is_active, exit_report_complete, recruitment_recorded, sponsor_signed_off],
        permission="casework.work_case",
        custom={"label": "End the placement", "style": "primary"},
    )
    def end(self) -> None:
        pass


class Candidate(TimeStamped):
    """Someone considered for the placement, with the checks on them."""

    interim = models.ForeignKey(Interim, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="Experience, source (agency, network), availability.")
    day_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    conflict_note = models.TextField(blank=True, help_text="Any conflict of interest found, or 'none'.")
    conflict_checked_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    references_checked_on = models.DateField(validators=[not_in_future], null=True, blank=True)
    dbs_checked_on = models.DateField(validators=[not_in_future], null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["interim", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def case(self) -> Case:
        return self.interim.case


class InterimReview(TimeStamped):
    """A review of the placement (every 4–6 weeks) with its continuation decision."""

    interim = models.ForeignKey(Interim, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(
        validators=[not_in_future],
    )
    continue_placement = models.BooleanField(help_text="Continue the placement (otherwise move to handover).")
    note = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = audited_history()

    class Meta:
        ordering = ["interim", "-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review on {self.held_on:%-d %B %Y}"

    @property
    def case(self) -> Case:
        return self.interim.case
