"""Years of past peer reviews in bulk, for benchmarks at scale (`seed_demo --scale N`, N > 1).

`peerreview.demo` walks one review into every state through the workflow, one call at a time;
that exercises the real code but takes seconds a review. This module writes the rows the same walk
would leave behind -- reviews, panels, self-ratings, reviewer and agreed ratings, findings, replies,
actions, report snapshots -- with `bulk_create`, a batch of reviews at a time, together with the
history they imply:

- a simple-history row for every change the walk would have saved ("+" at creation, "~" for each
  transition, with the transition's name as the reason and the person whose step it is as the user),
  including the many-to-many history (standards of a finding, funders a report is shared with);
- an audit event for every act the walk would have recorded (`core.audit.append_many`: the same
  hash chain, so `verify_audit` passes).

Each organisation gets a run of past reviews, one after another (each a renewal of the one before);
all but its last are closed (a few withdrawn or cancelled), and the last may still be in progress.
Past dates come from the walk's own rhythm (a self-assessment six weeks after scoping, ...), so
trends by year, coverage and the lists look like a hub with history.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from core import audit
from demo import peerreview as demo
from organisations.models import ConflictDeclaration, Membership, Organisation, User
from peerreview.models import (
    Action,
    Assignment,
    Finding,
    ModeratedRating,
    Reply,
    ReportSnapshot,
    Review,
    ReviewerRating,
    SelfRating,
)
from standards import scoring
from standards.models import FrameworkVersion, Indicator, Standard

# Days after creation at which a review reaches each stage (the walk's rhythm).
DAY_OF = {
    "scoping": 0,
    "self_assessment": 7,
    "desk_review": 50,
    "visit": 80,
    "moderation": 95,
    "quality_assurance": 105,
    "right_of_reply": 115,
    "reply_consideration": 128,
    "outcome_decided": 140,
    "published": 150,
    "action_planning": 165,
    "monitoring": 180,
    "progress_review": 520,
    "closed": 560,
}
# Who makes each move: the coordinator, unless named here.
CONTACT_MOVES = {"submit_self_assessment", "submit_replies", "consider_replies", "start_action_planning", "withdraw"}
LEAD_MOVES = {"plan_visit", "record_visit", "start_moderation", "submit_for_quality_assurance"}
ROLE_OF = {"coordinator": "coordinator", "contact": "contact", "lead": "lead_reviewer", "reviewer": "reviewer"}
BATCH_REVIEWS = 250


@functools.cache
def _transition(source: str, target: str) -> str:
    """The name of Review's transition from `source` to `target` (the FSM is the source of truth)."""
    state_field = Review._meta.get_field("state")
    for t in state_field.get_all_transitions(Review):  # type: ignore[attr-defined]
        if t.source == source and t.target == target:
            return t.name
    raise LookupError(f"Review has no transition from {source} to {target}")


@dataclass
class Batch:
    """Rows of one batch of reviews, written together in dependency order."""

    reviews: list[Review] = field(default_factory=list)
    review_history: list[tuple[Review, list[dict[str, Any]]]] = field(default_factory=list)
    shared_with: list[tuple[Review, Organisation]] = field(default_factory=list)
    children: dict[type, list[tuple[Any, Any]]] = field(default_factory=dict)  # model -> [(obj, meta)]
    events: list[tuple[datetime.datetime, Any, dict[str, Any]]] = field(default_factory=list)

    def child(self, model: type, obj: Any, **meta: Any) -> Any:
        self.children.setdefault(model, []).append((obj, meta))
        return obj

    def event(self, when: datetime.datetime, obj: Any, **kwargs: Any) -> None:
        self.events.append((when, obj, kwargs))


class People:
    """Contacts, the reviewer pool and declared conflicts, loaded once."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.contact: dict[int, User] = {}
        for m in Membership.objects.current().filter(role="contact").select_related("person").order_by("pk"):
            self.contact.setdefault(m.organisation_id, m.person)
        pool: dict[int, set[int]] = {}
        self.users: dict[int, User] = {}
        for m in Membership.objects.current().select_related("person").order_by("pk"):
            pool.setdefault(m.person_id, set()).add(m.organisation_id)
            self.users[m.person_id] = m.person
        reviewers = set(
            Membership.objects.current()
            .filter(role__in=["reviewer", "lead_reviewer"])
            .values_list("person_id", flat=True)
        )
        self.reviewers = sorted(reviewers)
        self.organisations_of = pool
        self.conflicts = set(ConflictDeclaration.objects.values_list("person_id", "organisation_id"))

    def panel_for(self, organisation_id: int, offset: int) -> list[User]:
        """Two reviewers with no tie to the organisation (own, declared), spread over the pool."""
        chosen: list[User] = []
        n = len(self.reviewers)
        for k in range(n):
            pk = self.reviewers[(offset + k * 7) % n]
            if organisation_id in self.organisations_of.get(pk, set()) or (pk, organisation_id) in self.conflicts:
                continue
            chosen.append(self.users[pk])
            if len(chosen) == 2:
                return chosen
        raise RuntimeError(f"Not enough conflict-free reviewers for organisation {organisation_id}")


def _plan(
    organisations: list[Organisation], total: int, busy: set[int], rng: random.Random, now: datetime.datetime
) -> Iterator[tuple[Organisation, str, datetime.datetime, int]]:
    """(organisation, final state, created_at, sequence number) for `total` reviews."""
    per_org, extra = divmod(total, len(organisations))
    open_states = demo.PATH[:-1]
    for i, organisation in enumerate(organisations):
        count = per_org + (1 if i < extra else 0)
        # Reviews follow each other, each started about 1.6 years after the one before.
        start = now - datetime.timedelta(days=int(600 * count) + rng.randint(0, 200))
        for k in range(count):
            created = start + datetime.timedelta(days=600 * k + rng.randint(0, 30))
            last = k == count - 1
            if last and organisation.pk not in busy and rng.random() < 0.4:
                target = rng.choice(open_states)
                created = now - datetime.timedelta(days=DAY_OF[target] + rng.randint(1, 20))
            else:
                roll = rng.random()
                target = "withdrawn" if roll < 0.03 else "cancelled" if roll < 0.06 else "closed"
            yield organisation, target, created, k


def seed_history(
    *,
    coordinator: User,
    version: FrameworkVersion,
    rng: random.Random,
    reviews: int,
    exclude: set[int] = frozenset(),
    lean: bool = False,
) -> int:
    """Write `reviews` past reviews among the support bodies with a contact; return how many.

    `lean` leaves out the per-indicator self-ratings and each reviewer's own ratings (about
    three quarters of the rows), which no list, page or intelligence table reads across reviews:
    for the analytics benchmark at scale 100, where the full detail would only lengthen the load.
    """
    if reviews <= 0:
        return 0
    people = People(rng)
    organisations = [
        o
        for o in Organisation.objects.filter(kind__in=list(Organisation.SUPPORT_BODY_KINDS)).order_by("pk")
        if o.pk in people.contact and o.pk not in exclude
    ]
    busy = set(
        Review.objects.exclude(state__in=["closed", "withdrawn", "cancelled"]).values_list("organisation_id", flat=True)
    )
    standards = list(Standard.objects.filter(version=version).order_by("position"))
    indicators = list(Indicator.objects.filter(standard__version=version).order_by("standard__position", "pk"))
    funder = Organisation.objects.filter(kind="funder").order_by("pk").first()
    now = timezone.now()
    framework = version.framework
    levels = {o.pk: rng.uniform(1.6, 3.7) for o in organisations}  # each body's underlying quality
    written = 0
    batch = Batch()
    previous: dict[int, Review] = {}
    for n, (organisation, target, created, _k) in enumerate(_plan(organisations, reviews, busy, rng, now)):
        _review(
            batch,
            organisation=organisation,
            target=target,
            created=created,
            previous=previous.get(organisation.pk),
            coordinator=coordinator,
            contact=people.contact[organisation.pk],
            panel=people.panel_for(organisation.pk, n),
            version=version,
            framework=framework,
            standards=standards,
            indicators=indicators,
            funder=funder,
            quality=levels[organisation.pk],
            rng=rng,
            lean=lean,
        )
        previous[organisation.pk] = batch.reviews[-1]
        if len(batch.reviews) >= BATCH_REVIEWS:
            written += _write(batch)
            batch = Batch()
    written += _write(batch)
    return written


def _review(
    batch: Batch,
    *,
    organisation: Organisation,
    target: str,
    created: datetime.datetime,
    previous: Review | None,
    coordinator: User,
    contact: User,
    panel: list[User],
    version: FrameworkVersion,
    framework: Any,
    standards: list[Standard],
    indicators: list[Indicator],
    funder: Organisation | None,
    quality: float,
    rng: random.Random,
    lean: bool = False,
) -> None:
    """Lay out one review walked to `target`: the row, its children, its history and its events."""
    if target == "withdrawn":
        path, side = demo.PATH[: demo.PATH.index("desk_review") + 1], ("withdraw", contact)
    elif target == "cancelled":
        path, side = demo.PATH[:1], ("cancel", coordinator)
    else:
        path, side = demo.PATH[: demo.PATH.index(target) + 1], None
    who = {"coordinator": coordinator, "contact": contact, "lead": panel[0], "reviewer": panel[1]}

    def at(stage: str, hours: int = 0) -> datetime.datetime:
        return created + datetime.timedelta(days=DAY_OF[stage], hours=hours)

    review = Review(
        organisation=organisation,
        framework_version=version,
        coordinator=coordinator,
        state="scoping",
        scope="All standards, with a focus on support for small and informal groups.",
        previous_review=previous,
        created_at=created,
        updated_at=created,
    )
    batch.reviews.append(review)
    steps: list[dict[str, Any]] = [{"when": created, "reason": "create", "user": coordinator, "kind": "+", "set": {}}]
    batch.event(
        created, review, action="create", actor=coordinator, role="coordinator", payload={"version": version.pk}
    )

    def move(stage: str, name: str, actor_key: str, when: datetime.datetime, **changes: Any) -> None:
        source = review.state
        if name not in ("submit_self_assessment", "record_visit", "set_outcome", "submit_replies"):
            changes["state"] = stage
        steps.append({"when": when, "reason": name, "user": who[actor_key], "kind": "~", "set": changes})
        for key, value in changes.items():
            _put(review, key, value)
        review.updated_at = when
        payload = {"changes": {k: [None, str(v)] for k, v in changes.items() if k != "state"}}
        batch.event(
            when,
            review,
            action=name,
            actor=who[actor_key],
            role=ROLE_OF[actor_key],
            source_state=source if "state" in changes else "",
            target_state=stage if "state" in changes else "",
            payload=payload,
        )

    assignments: list[Assignment] = []
    findings: list[Finding] = []
    agreed: dict[int, int] = {}
    for stage in path[1:]:
        t = at(stage)
        name = _transition(review.state, stage)
        if stage == "self_assessment":
            move(stage, name, "coordinator", t, self_assessment_due=(t + datetime.timedelta(days=42)).date())
        elif stage == "desk_review":
            for person, role in ((panel[0], "lead"), (panel[1], "peer")):
                invited = t - datetime.timedelta(days=30)
                a = Assignment(
                    review=review,
                    reviewer=person,
                    role=role,
                    state="accepted",
                    declaration_signed_at=invited + datetime.timedelta(days=2),
                    respond_by=(invited + datetime.timedelta(days=10)).date(),
                    created_at=invited,
                    updated_at=invited + datetime.timedelta(days=2),
                )
                assignments.append(a)
                batch.child(
                    Assignment,
                    a,
                    history=[
                        (invited, "invite", coordinator, "+", {"state": "invited", "declaration_signed_at": None}),
                        (invited + datetime.timedelta(days=2), "accept", person, "~", {"state": "accepted"}),
                    ],
                )
                batch.event(
                    invited,
                    a,
                    action="invite",
                    actor=coordinator,
                    role="coordinator",
                    payload={"role": role, "reviewer": person.pk, "conflicts": []},
                )
                batch.event(
                    invited + datetime.timedelta(days=2),
                    a,
                    action="accept",
                    actor=person,
                    role="reviewer",
                    source_state="invited",
                    target_state="accepted",
                    payload={"changes": {"declaration_signed_at": [None, str(a.declaration_signed_at)]}},
                )
            rated = t - datetime.timedelta(days=10)
            for indicator in [] if lean else indicators:
                batch.child(
                    SelfRating,
                    SelfRating(
                        review=review,
                        indicator=indicator,
                        rating=rng.choice([2, 3, 3, 4]),
                        commentary="We do this routinely and can show examples.",
                        no_evidence=True,
                        no_evidence_note="We have not written this down yet.",
                        created_at=rated,
                        updated_at=rated,
                    ),
                    history=[(rated, "", contact, "+", {}), (rated, "self_rate", contact, "~", {})],
                )
            move(
                stage,
                "submit_self_assessment",
                "contact",
                t - datetime.timedelta(days=3),
                self_assessment_submitted_at=t - datetime.timedelta(days=3),
                position_statement="We are stretched but well connected; we want to be better at showing our impact.",
            )
            move(stage, name, "coordinator", t, desk_review_due=(t + datetime.timedelta(days=21)).date())
        elif stage == "visit":
            for n, a in enumerate(assignments):
                when = t - datetime.timedelta(days=2 - n)
                for s in standards:
                    rating = max(1, min(4, round(quality + rng.uniform(-1.0, 1.0))))
                    agreed.setdefault(s.pk, rating)
                    if lean:
                        continue
                    batch.child(
                        ReviewerRating,
                        ReviewerRating(
                            assignment=a,
                            standard=s,
                            rating=rating,
                            rationale="Seen in the self-assessment and the evidence.",
                            created_at=when,
                            updated_at=when,
                        ),
                        history=[(when, "", a.reviewer, "+", {}), (when, "rate", a.reviewer, "~", {})],
                    )
                _put(a, "state", "submitted")
                a.submitted_at, a.updated_at = when, when
                batch.children[Assignment][-2 + n][1]["history"].append((when, "submit", a.reviewer, "~", {}))
                batch.event(
                    when,
                    a,
                    action="submit",
                    actor=a.reviewer,
                    role="",
                    source_state="accepted",
                    target_state="submitted",
                    payload={"changes": {"submitted_at": [None, str(when)]}},
                )
            move(stage, name, "lead", t)
        elif stage == "moderation":
            visit = (t - datetime.timedelta(days=3)).date()
            move(
                stage,
                "record_visit",
                "lead",
                t - datetime.timedelta(hours=2),
                visit_date=visit,
                visit_notes="Met the chief executive, two trustees and a focus group of eight member groups.",
            )
            move(stage, name, "lead", t)
        elif stage == "quality_assurance":
            when = t - datetime.timedelta(days=1)
            for s in standards:
                m = ModeratedRating(
                    review=review,
                    standard=s,
                    rating=agreed.get(s.pk, 3),
                    rationale="Agreed after discussing the evidence and the visit.",
                    created_at=when,
                    updated_at=when,
                )
                batch.child(ModeratedRating, m, history=[(when, "moderate", panel[0], "+", {})], code=s.code)
                batch.event(
                    when,
                    m,
                    action="moderate",
                    actor=panel[0],
                    role="lead_reviewer",
                    payload={"standard": s.code, "rating": m.rating},
                )
            for k, (kind, text) in enumerate(demo.FINDINGS):
                f = Finding(review=review, kind=kind, text=text, state="agreed", created_at=when, updated_at=when)
                findings.append(f)
                linked = standards[k % len(standards)]
                batch.child(
                    Finding,
                    f,
                    standards=[linked],
                    history=[
                        (when, "create", panel[0], "+", {"state": "draft"}),
                        (when, "agree", panel[0], "~", {"state": "agreed"}),
                    ],
                )
                batch.event(when, f, action="create", actor=panel[0], role="lead_reviewer", payload={"kind": kind})
                batch.event(
                    when,
                    f,
                    action="agree",
                    actor=panel[0],
                    role="lead_reviewer",
                    source_state="draft",
                    target_state="agreed",
                    payload={"changes": {}},
                )
            move(stage, name, "lead", t)
        elif stage == "right_of_reply":
            move(stage, name, "coordinator", t, reply_due=(t + datetime.timedelta(days=14)).date(), report_version=1)
            batch.child(ReportSnapshot, None, kind="draft", when=t, review=review)
        elif stage == "reply_consideration":
            when = t - datetime.timedelta(days=1)
            for f in findings:
                challenge = f.kind == "development"
                r = Reply(
                    finding=f,
                    kind=Reply.Kind.MISSED if challenge else Reply.Kind.ACCEPT,
                    text="The directory has shown 'last checked' dates since March." if challenge else "",
                    replied_by=contact,
                    created_at=when,
                    updated_at=when,
                )
                batch.child(Reply, r, history=[(when, "reply", contact, "+", {})])
                batch.event(when, r, action="reply", actor=contact, role="contact", payload={"kind": r.kind})
                if challenge:
                    _put(f, "state", "challenged")
                    _finding_history(batch, f).append((when, "challenge", contact, "~", {"state": "challenged"}))
                    batch.event(
                        when,
                        f,
                        action="challenge",
                        actor=contact,
                        role="contact",
                        source_state="agreed",
                        target_state="challenged",
                        payload={"changes": {}},
                    )
            move(stage, "submit_replies", "contact", when, replies_submitted_at=when)
            move(stage, name, "contact", t)
        elif stage == "outcome_decided":
            when = t - datetime.timedelta(hours=3)
            for f in findings:
                if f.state != "challenged":
                    continue
                reply = next(r for r, _ in batch.children[Reply] if r.finding is f)
                reply.decision, reply.decided_by, reply.decided_at = "partly", coordinator, when
                reply.decision_reason = "Dates exist but not on every entry."
                reply.updated_at = when
                f.original_text, f.text = f.text, "Not every directory entry shows when it was last checked."
                _put(f, "state", "amended")
                f.updated_at = when
                _finding_history(batch, f).append((when, "amend", coordinator, "~", {"state": "amended"}))
                batch.event(
                    when, reply, action="decide", actor=coordinator, role="coordinator", payload={"decision": "partly"}
                )
                batch.event(
                    when,
                    f,
                    action="amend",
                    actor=coordinator,
                    source_state="challenged",
                    target_state="amended",
                    payload={"changes": {"text": [f.original_text, f.text]}},
                )
            move(
                stage,
                "set_outcome",
                "coordinator",
                when,
                # The outcome follows the body's quality, as the panel's would.
                **(
                    {"outcome": "met", "outcome_rationale": "A strong, trusted service that meets every standard."}
                    if quality >= 3.1
                    else {
                        "outcome": "met_with_conditions",
                        "outcome_rationale": "A trusted service; dating the directory is a condition.",
                    }
                    if quality >= 2.5
                    else {
                        "outcome": "not_yet_met",
                        "outcome_rationale": "Several standards are not yet met; the action plan says how to get there.",
                    }
                ),
            )
            move(stage, name, "coordinator", t)
        elif stage == "published":
            for f in findings:
                if f.state in ("agreed", "amended"):
                    before = f.state
                    _put(f, "state", "final")
                    f.updated_at = t
                    _finding_history(batch, f).append((t, "finalise", coordinator, "~", {"state": "final"}))
                    batch.event(
                        t,
                        f,
                        action="finalise",
                        actor=coordinator,
                        source_state=before,
                        target_state="final",
                        payload={"changes": {}},
                    )
            if funder is not None:
                batch.shared_with.append((review, funder))
            move(
                stage,
                name,
                "coordinator",
                t,
                visibility="funders",
                published_at=t,
                valid_until=(t + datetime.timedelta(days=3 * 365)).date(),
            )
            batch.child(ReportSnapshot, None, kind="final", when=t, review=review)
        elif stage == "action_planning":
            move(stage, name, "contact", t)
            for text, owner, days in (
                ("Publish a yearly state-of-the-sector summary.", "Chief executive", 150),
                ("Show a 'last checked' date on every directory entry.", "Information officer", 60),
            ):
                a = Action(
                    review=review,
                    text=text,
                    owner=owner,
                    due_on=(t + datetime.timedelta(days=days)).date(),
                    state="proposed",
                    created_at=t,
                    updated_at=t,
                )
                batch.child(Action, a, history=[(t, "create", contact, "+", {"state": "proposed"})])
                batch.event(t, a, action="create", actor=contact, role="contact", payload={})
        elif stage in ("monitoring", "progress_review", "closed"):
            moves = {
                "monitoring": [("agree", "proposed", "agreed", coordinator)],
                "progress_review": [
                    ("start", "agreed", "in_progress", contact),
                    ("complete", "in_progress", "done", contact),
                ],
                "closed": [("verify", "done", "verified", coordinator)],
            }[stage]
            for a, meta in batch.children.get(Action, []):
                if a.review is not review:
                    continue
                for action_name, source, dest, actor in moves:
                    when = t - datetime.timedelta(days=1)
                    _put(a, "state", dest)
                    a.updated_at = when
                    meta["history"].append((when, action_name, actor, "~", {"state": dest}))
                    batch.event(
                        when,
                        a,
                        action=action_name,
                        actor=actor,
                        source_state=source,
                        target_state=dest,
                        payload={"changes": {}},
                    )
            extra = {"progress_review_due": (t + datetime.timedelta(days=330)).date()} if stage == "monitoring" else {}
            move(stage, name, "coordinator", t, **extra)
    if side is not None:
        name, actor = side
        if _transition(review.state, target) != name:
            raise LookupError(f"Review moves to {target} by {_transition(review.state, target)}, not {name}")
        when = at(path[-1]) + datetime.timedelta(days=5)
        key = "contact" if actor is contact else "coordinator"
        move(target, name, key, when)
        batch.events[-1][2]["reason"] = "Demo: " + (
            "the board decided to merge with a neighbouring CVS."
            if name == "withdraw"
            else "the organisation is entering the lifeboat scheme instead."
        )
        steps[-1]["reason"] = name
    batch.review_history.append((review, steps))


def _put(obj: Any, name: str, value: Any) -> None:
    """Lay out a row as the walk leaves it. The state field is protected against assignment, which
    is right for code that *moves* things; a loader writing rows that never were in another state
    here sets the value in the instance's dict before the first save, as the constructor would."""
    if name == "state":
        obj.__dict__["state"] = value
    else:
        setattr(obj, name, value)


def _finding_history(batch: Batch, finding: Finding) -> list[Any]:
    for obj, meta in reversed(batch.children[Finding]):
        if obj is finding:
            return meta["history"]
    raise LookupError(finding)


PROGRESSIVE = [
    "state",
    "self_assessment_due",
    "self_assessment_submitted_at",
    "position_statement",
    "desk_review_due",
    "visit_date",
    "visit_notes",
    "reply_due",
    "replies_submitted_at",
    "outcome",
    "outcome_rationale",
    "visibility",
    "published_at",
    "valid_until",
    "progress_review_due",
    "report_version",
]
BLANK = {
    "state": "scoping",
    "position_statement": "",
    "visit_notes": "",
    "outcome": "",
    "outcome_rationale": "",
    "visibility": "private",
    "report_version": 0,
}


def _write(batch: Batch) -> int:
    """Insert one batch: rows (parents first), their history, the m2m rows, then the audit events."""
    if not batch.reviews:
        return 0
    models = [Review, Assignment, SelfRating, ReviewerRating, ModeratedRating, Finding, Reply, Action]
    with transaction.atomic(), audit.keep_timestamps(*models):
        # A renewal points at the review before it: insert each generation after the one it follows.
        pending = batch.reviews
        while pending:
            ready = [r for r in pending if r.previous_review is None or r.previous_review.pk is not None]
            Review.objects.bulk_create(ready)
            pending = [r for r in pending if r.pk is None]
        # Review history: replay the steps over blank progressive fields.
        hist_rows: list[Any] = []
        shared = {r.pk: o for r, o in batch.shared_with}
        shared_rows: list[tuple[Any, Review]] = []
        for review, steps in batch.review_history:
            state = {k: BLANK.get(k) for k in PROGRESSIVE}
            published = False
            for step in steps:
                state.update(step["set"])
                published = published or "published_at" in step["set"]
                row = audit.historical(
                    review,
                    when=step["when"],
                    user=step["user"],
                    reason=step["reason"],
                    kind=step["kind"],
                    updated_at=step["when"],
                    **state,
                )
                hist_rows.append(row)
                if published and review.pk in shared:
                    shared_rows.append((row, review))
        Review.history.model.objects.bulk_create(hist_rows)
        Review.shared_with.through.objects.bulk_create(
            [Review.shared_with.through(review_id=r.pk, organisation_id=o.pk) for r, o in batch.shared_with]
        )
        through_hist = apps.get_model("peerreview", "HistoricalReview_shared_with")
        through_ids = dict(
            Review.shared_with.through.objects.filter(review_id__in=list(shared)).values_list("review_id", "pk")
        )
        through_hist.objects.bulk_create(
            [
                through_hist(id=through_ids[r.pk], history=row, review_id=r.pk, organisation_id=shared[r.pk].pk)
                for row, r in shared_rows
            ]
        )
        # Children, in dependency order, each with its history rows.
        for model in (Assignment, SelfRating, ReviewerRating, ModeratedRating, Finding, Reply, Action):
            entries = batch.children.get(model, [])
            if not entries:
                continue
            model.objects.bulk_create([obj for obj, _ in entries], batch_size=2000)
            rows = []
            finding_rows: list[tuple[Any, Finding, list[Standard]]] = []
            for obj, meta in entries:
                for when, reason, user, kind, overrides in meta["history"]:
                    row = audit.historical(
                        obj, when=when, user=user, reason=reason, kind=kind, updated_at=when, **overrides
                    )
                    rows.append(row)
                    if model is Finding:
                        finding_rows.append((row, obj, meta["standards"]))
            model.history.model.objects.bulk_create(rows, batch_size=2000)
            if model is Finding:
                through = Finding.standards.through
                links = through.objects.bulk_create(
                    [through(finding_id=f.pk, standard_id=s.pk) for f, meta in entries for s in meta["standards"]]
                )
                link_ids = {(link.finding_id, link.standard_id): link.pk for link in links}
                hist = apps.get_model("peerreview", "HistoricalFinding_standards")
                hist.objects.bulk_create(
                    [
                        hist(id=link_ids[(f.pk, s.pk)], history=row, finding_id=f.pk, standard_id=s.pk)
                        for row, f, linked in finding_rows
                        for s in linked
                    ],
                    batch_size=2000,
                )
        _snapshots(batch)
        events = sorted(batch.events, key=lambda e: e[0])
        audit.append_many(audit.event_for(obj, action=kw.pop("action"), when=when, **kw) for when, obj, kw in events)
    return len(batch.reviews)


@functools.cache
def _result(framework_id: int, ratings: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    from standards.models import Framework

    result = scoring.aggregate(Framework.objects.get(pk=framework_id), dict(ratings), expected=[c for c, _ in ratings])
    return {"label": result.label, "mean": str(result.mean or ""), "steps": result.steps}


def _snapshots(batch: Batch) -> None:
    """The frozen report data of each draft and final report, as `build_report` lays it out."""
    snapshots: list[ReportSnapshot] = []
    moderated: dict[int, list[ModeratedRating]] = {}
    for m, _meta in batch.children.get(ModeratedRating, []):
        moderated.setdefault(m.review.pk, []).append(m)
    codes = {m.pk: meta["code"] for m, meta in batch.children.get(ModeratedRating, [])}
    panel: dict[int, list[Assignment]] = {}
    for a, _ in batch.children.get(Assignment, []):
        panel.setdefault(a.review.pk, []).append(a)
    found: dict[int, list[tuple[Finding, list[Standard]]]] = {}
    for f, meta in batch.children.get(Finding, []):
        found.setdefault(f.review.pk, []).append((f, meta["standards"]))
    replies = {r.finding.pk: r for r, _ in batch.children.get(Reply, [])}
    actions: dict[int, list[Action]] = {}
    for a, _ in batch.children.get(Action, []):
        actions.setdefault(a.review.pk, []).append(a)
    pending = [(meta, meta["review"]) for _none, meta in batch.children.get(ReportSnapshot, [])]
    for meta, review in pending:
        ratings = sorted(moderated.get(review.pk, []), key=lambda m: m.standard.position)
        data = {
            "review": review.pk,
            "organisation": {"name": review.organisation.name, "org_id": review.organisation.org_id},
            "framework": {
                "name": review.framework_version.framework.name,
                "version": review.framework_version.number,
                "scored": review.framework_version.framework.is_scored,
            },
            "scope": review.scope,
            "panel": [{"name": a.reviewer.full_name, "role": a.get_role_display()} for a in panel.get(review.pk, [])],
            "dates": {
                "self_assessment_submitted": str(review.self_assessment_submitted_at or ""),
                "visit": str(review.visit_date or ""),
            },
            "ratings": [
                {"code": codes[m.pk], "title": m.standard.title, "rating": m.rating, "rationale": m.rationale}
                for m in ratings
            ],
            "result": _result(review.framework_version.framework_id, tuple((codes[m.pk], m.rating) for m in ratings)),
            "findings": [
                {
                    "kind": f.get_kind_display(),
                    "text": f.text,
                    "standards": [s.code for s in linked],
                    "state": f.state if meta["kind"] == "final" else "agreed",
                    "reply": (
                        {
                            "kind": replies[f.pk].get_kind_display(),
                            "text": replies[f.pk].text,
                            "decision": replies[f.pk].get_decision_display(),
                            "reason": replies[f.pk].decision_reason,
                        }
                        if f.pk in replies and meta["kind"] == "final"
                        else None
                    ),
                }
                for f, linked in found.get(review.pk, [])
            ],
            "outcome": {
                "value": review.get_outcome_display() if meta["kind"] == "final" else "",
                "rationale": review.outcome_rationale if meta["kind"] == "final" else "",
            },
            "actions": [],
            "report_version": 1,
            "kind": meta["kind"],
        }
        snapshots.append(
            ReportSnapshot(
                review=review,
                version=1,
                kind=meta["kind"],
                data=data,
                fingerprint=ReportSnapshot.fingerprint_of(data),
                created_at=meta["when"],
                created_by=review.coordinator,
            )
        )
    ReportSnapshot.objects.bulk_create(snapshots, batch_size=500)
    for s in snapshots:
        batch.event(
            s.created_at,
            s,
            action="snapshot",
            actor=s.created_by,
            role="coordinator",
            payload={"fingerprint": s.fingerprint},
        )
