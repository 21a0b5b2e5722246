"""Demo reviews in every state of the cycle, built through peerreview.workflow as people would.

Each review is walked forward step by step by the person whose job that step is; reviewers are
picked only where the conflict checks find nothing, exactly as a coordinator would pick them.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from core.dates import years_after
from demo import evidence as files
from organisations import workflow as org_workflow
from organisations.models import Membership, Organisation, User
from peerreview import conflicts, workflow
from peerreview.models import Assignment, Finding, ModeratedRating, Reply, Review, ReviewerRating
from standards.models import FrameworkVersion

# The order a review passes through; each stage is reached by running every step before it.
PATH = [
    "scoping",
    "self_assessment",
    "desk_review",
    "visit",
    "moderation",
    "quality_assurance",
    "right_of_reply",
    "reply_consideration",
    "outcome_decided",
    "published",
    "action_planning",
    "monitoring",
    "progress_review",
    "closed",
]
# Side states: (state, the stage to reach first, the move, who makes it).
SIDE = {
    "on_hold": ("self_assessment", "hold", "coordinator"),
    "withdrawn": ("desk_review", "withdraw", "contact"),
    "cancelled": ("scoping", "cancel", "coordinator"),
    "appeal": ("published", "appeal", "contact"),
    "reopened": ("published", "reopen", "coordinator"),
}
FINDINGS = [
    ("strength", "Groups describe the CVS as warm, quick to respond and trusted, especially small faith groups."),
    ("development", "The directory of local groups is not dated, so nobody can tell how current it is."),
    ("recommendation", "Publish a yearly state-of-the-sector summary and share it with partners and funders."),
]


class DemoPeople:
    def __init__(self, coordinator: User, rng: random.Random, favourites: dict[str, User]):
        self.coordinator = coordinator
        self.rng = rng
        self.favourites = favourites  # demo logins that should have work waiting
        self._quality: dict[int, float] = {}

    def quality_of(self, review: Review) -> float:
        """The organisation's underlying quality on the 1-4 scale, drawn once per review from the
        seed: some bodies are excellent, a few struggle, most sit in between."""
        if review.pk not in self._quality:
            self._quality[review.pk] = self.rng.choice([1.5, 2.0, 2.4, 2.7, 3.0, 3.3, 3.7]) + self.rng.uniform(
                -0.2, 0.2
            )
        return self._quality[review.pk]

    def rating(self, review: Review, position: int, spread: float) -> int:
        """A rating near the body's quality: standards differ (some are its strengths), and each
        rater sees it a little differently (`spread`)."""
        strength = ((position * 7) % 5 - 2) * 0.3  # a fixed pattern of stronger and weaker standards
        value = self.quality_of(review) + strength + self.rng.uniform(-spread, spread)
        return max(1, min(4, round(value)))

    def contact_of(self, organisation: Organisation) -> User:
        membership = (
            Membership.objects.current().filter(organisation=organisation, role="contact").order_by("pk").first()
        )
        if membership is None:
            raise RuntimeError(f"No contact at {organisation}")
        return membership.person

    def standing_peer(self, review: Review, role: str, perm: str) -> User:
        """A peer on the standing quality panel or appeals group who may act on `review` (`perm`):
        one already serving if any is free of the review, else a conflict-free reviewer from a member
        body given a two-year term, as the hub would appoint them."""
        serving = User.objects.filter(memberships__role=role).distinct().order_by("pk")
        for person in serving:
            if person.has_perm(perm, review):
                return person
        pool = list(User.objects.filter(memberships__role="reviewer").distinct().order_by("pk"))
        self.rng.shuffle(pool)
        for person in pool:
            if review.assignments.filter(reviewer=person).exists() or conflicts.check(person, review):
                continue
            home = next(m.organisation for m in person.current_memberships if m.role == "reviewer")
            today = timezone.localdate()
            org_workflow.grant_membership(
                person, home, role, by=self.coordinator, starts_on=today, ends_on=years_after(today, 2)
            )
            person = User.objects.get(pk=person.pk)  # fresh: its memberships are cached
            if person.has_perm(perm, review):
                return person
        raise RuntimeError(f"No independent {role.replace('_', ' ')} member for {review}")

    def responsible_person(self, organisation: Organisation) -> User:
        """The organisation's contact, nominated as the person who signs off its replies."""
        contact = self.contact_of(organisation)
        if (
            not Membership.objects.current()
            .filter(person=contact, organisation=organisation, role="responsible_person")
            .exists()
        ):
            org_workflow.grant_membership(contact, organisation, "responsible_person", by=self.coordinator)
        return User.objects.get(pk=contact.pk)

    def reviewers_for(self, review: Review, count: int, prefer: list[User]) -> list[User]:
        pool = list(User.objects.filter(memberships__role__in=["reviewer", "lead_reviewer"]).distinct().order_by("pk"))
        self.rng.shuffle(pool)
        chosen: list[User] = []
        for person in [*prefer, *pool]:
            if person in chosen or conflicts.check(person, review):
                continue
            chosen.append(person)
            if len(chosen) == count:
                return chosen
        raise RuntimeError(f"Not enough conflict-free reviewers for {review}")


def _step(review: Review, stage: str, people: DemoPeople, prefer: list[User]) -> Review:
    """Move `review` one stage forward, into `stage`."""
    coordinator = people.coordinator
    contact = people.contact_of(review.organisation)
    lead = review.assignments.filter(role="lead", state__in=Assignment.WORKING).first()
    if stage == "self_assessment":
        return workflow.start_self_assessment(review, by=coordinator)
    if stage == "desk_review":
        lead_person, peer_person = people.reviewers_for(review, 2, prefer)
        for person, role in [(lead_person, "lead"), (peer_person, "peer")]:
            assignment = workflow.invite_reviewer(review, person, by=coordinator, role=role)
            workflow.accept_assignment(assignment, by=person, declaration=True)
        indicators = list(review.indicators_in_scope().select_related("standard"))
        evidence = workflow.add_evidence(
            review,
            by=contact,
            title="Annual report and accounts",
            upload=files.pdf("annual-report"),
            dated_on=timezone.localdate() - datetime.timedelta(days=200),
            indicators=indicators[::3],
            content_type="application/pdf",
        )
        survey = workflow.add_evidence(
            review,
            by=contact,
            title="Member groups' survey results",
            upload=files.member_survey(),
            dated_on=timezone.localdate() - datetime.timedelta(days=90),
            indicators=indicators[1::4],
            content_type=files.XLSX,
        )
        tagged = set(evidence.indicators.values_list("pk", flat=True)) | set(
            survey.indicators.values_list("pk", flat=True)
        )
        for n, indicator in enumerate(indicators):
            workflow.save_self_rating(
                review,
                indicator,
                by=contact,
                # Self-assessments run a little more generous than the reviewers.
                rating=people.rating(review, n, 0.9) if n % 3 else min(4, people.rating(review, n, 0.5) + 1),
                commentary="We do this routinely and can show examples.",
                no_evidence=indicator.pk not in tagged,
                no_evidence_note="" if indicator.pk in tagged else "We have not written this down yet.",
            )
        workflow.save_position_statement(
            review, by=contact, text="We are stretched but well connected; we want to be better at showing our impact."
        )
        workflow.submit_self_assessment(review, by=contact)
        return workflow.start_desk_review(Review.objects.get(pk=review.pk), by=coordinator)
    if stage == "visit":
        # Each reviewer rates independently; about half the panels disagree widely somewhere (the
        # peer misses evidence the lead saw), which moderation then has to settle.
        wide = people.rng.random() < 0.5
        for n, assignment in enumerate(review.assignments.filter(state="accepted").select_related("reviewer")):
            for k, standard in enumerate(review.standards_in_scope().order_by("position")):
                rating = people.rating(review, k, 0.7)
                if wide and n == 1 and k == 0:
                    lead_rating = ReviewerRating.objects.filter(assignment__review=review, standard=standard).first()
                    if lead_rating is not None and lead_rating.rating is not None:
                        rating = lead_rating.rating - 2 if lead_rating.rating >= 3 else lead_rating.rating + 2
                workflow.save_rating(
                    assignment,
                    standard,
                    by=assignment.reviewer,
                    rating=rating,
                    rationale="Seen in the self-assessment and the evidence.",
                )
            workflow.submit_assignment(Assignment.objects.get(pk=assignment.pk), by=assignment.reviewer)
        return workflow.move_review(Review.objects.get(pk=review.pk), "plan_visit", by=lead.reviewer)
    if stage == "moderation":
        workflow.record_visit(
            review,
            by=lead.reviewer,
            visit_date=timezone.localdate(),  # every stage is seeded today, after the self-assessment
            notes="Met the chief executive, two trustees and a focus group of eight member groups.",
        )
        return workflow.move_review(Review.objects.get(pk=review.pk), "start_moderation", by=lead.reviewer)
    if stage == "quality_assurance":
        flags = set(workflow.spread_flags(review))
        for standard in review.standards_in_scope().order_by("position"):
            given = list(
                ReviewerRating.objects.filter(
                    assignment__review=review, standard=standard, rating__isnull=False
                ).order_by("assignment__role", "pk")
            )
            lead_rating = next((r.rating for r in given if r.assignment.role == "lead"), None)
            values = [r.rating for r in given] or [3]
            if standard.pk in flags and lead_rating is not None:
                agreed = lead_rating  # the lead had seen evidence the peer had not
            else:
                mean = sum(values) / len(values)
                agreed = round(mean) if mean % 1 != 0.5 else people.rng.choice([int(mean), int(mean) + 1])
            workflow.moderate_standard(
                review,
                standard,
                by=lead.reviewer,
                rating=agreed,
                rationale="Agreed after discussing the evidence and the visit.",
                flag_note=f"The peer had not seen the evidence from the visit; agreed on {agreed}."
                if standard.pk in flags
                else "",
            )
        standards = list(review.standards_in_scope().order_by("position"))
        for n, (kind, text) in enumerate(FINDINGS):
            finding = workflow.add_finding(
                review, by=lead.reviewer, kind=kind, text=text, standards=[standards[n % len(standards)]]
            )
            workflow.agree_finding(finding, by=lead.reviewer)
        return workflow.move_review(Review.objects.get(pk=review.pk), "submit_for_quality_assurance", by=lead.reviewer)
    if stage == "right_of_reply":
        quality_panel = people.standing_peer(review, "quality_panel", "peerreview.assure_review")
        return workflow.issue_draft(review, by=quality_panel)
    if stage == "reply_consideration":
        for finding in review.findings.filter(state=Finding.State.AGREED).order_by("pk"):
            if finding.kind == "development":
                workflow.reply_to_finding(
                    finding,
                    by=contact,
                    kind=Reply.Kind.MISSED,
                    text="The directory has shown 'last checked' dates since March.",
                )
            else:
                workflow.reply_to_finding(finding, by=contact, kind=Reply.Kind.ACCEPT)
        workflow.submit_replies(Review.objects.get(pk=review.pk), by=people.responsible_person(review.organisation))
        return workflow.consider_replies(Review.objects.get(pk=review.pk), by=contact)
    if stage == "outcome_decided":
        quality_panel = people.standing_peer(review, "quality_panel", "peerreview.assure_review")
        for reply in Reply.objects.filter(finding__review=review, kind__in=Reply.CHALLENGES):
            workflow.decide_reply(
                reply,
                by=quality_panel,
                decision="partly",
                reason="Dates exist but not on every entry.",
                amended_text="Not every directory entry shows when it was last checked.",
            )
        agreed = list(ModeratedRating.objects.filter(review=review).values_list("rating", flat=True)) or [3]
        mean = sum(agreed) / len(agreed)
        outcome, rationale = (
            ("met", "A strong, trusted service that meets every standard well.")
            if mean >= 3.0 and min(agreed) >= 2
            else ("met_with_conditions", "A trusted service; dating the directory is a condition.")
            if mean >= 2.3 and min(agreed) >= 2
            else ("not_yet_met", "Several standards are not yet met; the action plan sets out how to get there.")
        )
        workflow.set_outcome(review, by=lead.reviewer, outcome=outcome, rationale=rationale)
        return workflow.decide_outcome(Review.objects.get(pk=review.pk), by=quality_panel)
    if stage == "published":
        funders = list(Organisation.objects.filter(kind="funder")[:1])
        for funder in funders:  # the organisation consents; the hub only publishes within that
            workflow.give_consent(review, by=contact, kind="funder", funder=funder)
        return workflow.publish_review(review, by=coordinator, visibility="funders", shared_with=funders)
    if stage == "action_planning":
        review = workflow.move_review(review, "start_action_planning", by=contact)
        finding = review.findings.filter(kind="recommendation").first()
        workflow.add_action(
            review,
            by=contact,
            text="Publish a yearly state-of-the-sector summary.",
            owner="Chief executive",
            due_on=timezone.localdate() + datetime.timedelta(days=150),
            finding=finding,
        )
        workflow.add_action(
            review,
            by=contact,
            text="Show a 'last checked' date on every directory entry.",
            owner="Information officer",
            due_on=timezone.localdate() + datetime.timedelta(days=60),
        )
        return review
    if stage == "monitoring":
        for action in review.actions.all():
            workflow.move_action(action, "agree", by=coordinator)
        return workflow.accept_action_plan(Review.objects.get(pk=review.pk), by=coordinator)
    if stage == "progress_review":
        for action in review.actions.all():
            action = workflow.move_action(action, "start", by=contact)
            workflow.move_action(action, "complete", by=contact)
        return workflow.move_review(Review.objects.get(pk=review.pk), "start_progress_review", by=coordinator)
    if stage == "closed":
        for action in review.actions.filter(state="done"):
            workflow.move_action(action, "verify", by=coordinator)
        return workflow.move_review(Review.objects.get(pk=review.pk), "close", by=coordinator)
    raise ValueError(stage)


def walk_to(review: Review, target: str, people: DemoPeople, prefer: list[User] | None = None) -> Review:
    for stage in PATH[1 : PATH.index(target) + 1]:
        review = _step(Review.objects.get(pk=review.pk), stage, people, prefer or [])
    return Review.objects.get(pk=review.pk)


def seed(
    *, coordinator: User, logins: dict[str, User], version: FrameworkVersion, rng: random.Random, scale: int = 1
) -> list[Review]:
    """One review in every state (times `scale`), among the support bodies."""
    people = DemoPeople(coordinator, rng, logins)
    reviewer_orgs = {
        m.organisation_id for m in logins["reviewer"].current_memberships + logins["lead"].current_memberships
    }
    demo_contact_org = next(m.organisation for m in logins["contact"].current_memberships if m.role == "contact")
    candidates = [
        o
        for o in Organisation.objects.filter(kind__in=list(Organisation.SUPPORT_BODY_KINDS)).order_by("pk")
        if o.pk not in reviewer_orgs and o != demo_contact_org and o.memberships.filter(role="contact").exists()
    ]
    targets = [*PATH, *SIDE]
    reviews: list[Review] = []
    # The demo contact's own organisation is at the right of reply, so that login has work waiting.
    plan = [(demo_contact_org, "right_of_reply")]
    for round_no in range(scale):
        for n, target in enumerate(targets):
            plan.append((candidates[(round_no * len(targets) + n) % len(candidates)], target))
    for organisation, target in plan:
        if (
            Review.objects.filter(organisation=organisation)
            .exclude(state__in=["closed", "withdrawn", "cancelled"])
            .exists()
        ):
            continue
        review = workflow.create_review(
            organisation,
            version,
            by=coordinator,
            scope="All standards, with a focus on support for small and informal groups.",
        )
        # Demo reviewer logins sit on panels still in progress, so they have work waiting.
        prefer = [logins["lead"], logins["reviewer"]] if target in ("desk_review", "visit") else []
        if target in SIDE:
            before, move, who = SIDE[target]
            review = walk_to(review, before, people, prefer)
            actor = coordinator if who == "coordinator" else people.contact_of(organisation)
            if move == "appeal":  # an appeal is lodged with its grounds (peerreview.Appeal)
                workflow.lodge_appeal(
                    review,
                    by=actor,
                    grounds="process",
                    statement="Demo: the visit was shortened without our agreement.",
                )
                # The appeal waits for the appeals group: a peer with no earlier part in the review.
                people.standing_peer(review, "appeals_group", "peerreview.decide_appeal")
                reviews.append(Review.objects.get(pk=review.pk))
                continue
            review = workflow.move_review(
                review,
                move,
                by=actor,
                reason="Demo: "
                + {
                    "hold": "the chief executive is on long-term leave.",
                    "withdraw": "the board decided to merge with a neighbouring CVS.",
                    "cancel": "the organisation is entering the lifeboat scheme instead.",
                    "appeal": "the visit was shortened without our agreement.",
                    "reopen": "a trustee's interest was declared after publication.",
                }[move],
            )
        else:
            review = walk_to(review, target, people, prefer)
        reviews.append(review)
    # An open invitation for the demo reviewer login.
    scoping = next((r for r in reviews if r.state == "scoping"), None)
    if scoping is not None and not conflicts.check(logins["reviewer"], scoping):
        workflow.invite_reviewer(scoping, logins["reviewer"], by=coordinator)
    return reviews
