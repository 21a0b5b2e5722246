"""Concurrency on PostgreSQL: many people acting on the same thing at the same moment.

Each test starts real threads, each with its own database connection, and releases them together
with a barrier. SQLite serialises writers (transaction_mode=IMMEDIATE), so there is no race to
exercise there and these tests skip; CI runs them in the PostgreSQL half of `make test`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connections
from django.test import RequestFactory

from core import audit
from core.models import AuditEvent
from core.shortcuts import attempt
from core.workflow import FASTER_MESSAGE, ConcurrentTransition, TransitionNotAllowed, transition
from peerreview import workflow as pr
from peerreview.models import Assignment, Review, ReviewerRating
from tests.factories import UserFactory
from tests.scenes import published_version, review_in_desk_review
from tests.testapp.models import Widget

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the races are exercised on PostgreSQL",
    ),
]


def race(threads: int, work: Callable[[int, threading.Barrier], Any]) -> list[Any]:
    """Run `work(i, barrier)` in `threads` threads; each calls barrier.wait() when ready to fire.

    Returns what each returned, or the exception it raised (so a surprise shows in the assertion
    instead of vanishing with the thread). Every thread closes its own connections.
    """
    barrier = threading.Barrier(threads, timeout=30)
    results: list[Any] = [None] * threads

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as error:  # noqa: BLE001 - reported by the test's assertion
            barrier.abort()
            results[i] = error
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in pool), "a thread is still running after 60 seconds"
    return results


def test_twelve_people_fire_the_same_transition_and_exactly_one_wins():
    """12 threads submit one widget at once, through the same refusal handling the pages use."""
    threads = 12
    owner = UserFactory()
    widget = Widget.objects.create(title="race", owner=owner)
    plain_refusal = "'submit' is not possible while it is Submitted."

    def fire(i: int, barrier: threading.Barrier) -> dict[str, Any]:
        copy = Widget.objects.get(pk=widget.pk)  # the page each person had open: still a draft
        request = RequestFactory().post("/")
        request._messages = CookieStorage(request)
        raised: list[BaseException] = []

        def action() -> None:
            try:
                transition(copy, "submit", by=owner)
            except (ConcurrentTransition, TransitionNotAllowed) as error:
                raised.append(error)
                raise

        barrier.wait()
        won = attempt(request, action, success="Submitted.")
        return {
            "won": won,
            "error": type(raised[0]).__name__ if raised else None,
            "messages": [str(m) for m in get_messages(request)],
        }

    results = race(threads, fire)
    surprises = [r for r in results if not isinstance(r, dict)]
    assert surprises == [], f"unexpected errors in threads: {surprises!r}"
    winners = [r for r in results if r["won"]]
    losers = [r for r in results if not r["won"]]
    outcomes = Counter(r["error"] or "won" for r in results)
    assert (len(winners), len(losers)) == (1, threads - 1), f"{threads} threads: {dict(outcomes)}"
    assert winners[0]["messages"] == ["Submitted."]
    shown = Counter(m for r in losers for m in r["messages"])
    assert set(shown) <= {FASTER_MESSAGE, plain_refusal}, f"losers were shown {dict(shown)}"
    assert sum(shown.values()) == threads - 1, f"each loser sees one message: {dict(shown)}"

    assert Widget.objects.get(pk=widget.pk).state == Widget.State.SUBMITTED
    events = AuditEvent.objects.filter(object_type="testapp.widget", object_id=str(widget.pk)).count()
    assert events == 1, f"{threads} threads, 1 winner, but {events} audit events"
    assert Widget.history.filter(id=widget.pk, history_change_reason="submit").count() == 1
    checked, broken = audit.verify()
    assert broken is None, f"chain broken after {checked} events: {broken}"


@pytest.fixture
def desk_review(steward, hub, participant, coordinator, lead_reviewer, reviewer, contact, reviewed_org) -> dict:
    version = published_version(steward=steward, owner=hub, commenter=participant)
    return review_in_desk_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=reviewer,
        contact=contact,
    )


def test_twelve_coordinators_put_one_review_on_hold_and_exactly_one_wins(desk_review, coordinator):
    """The same race on a real review, through peerreview.workflow: one hold, one audit event."""
    threads = 12
    review = desk_review["review"]
    before = AuditEvent.objects.count()

    def fire(i: int, barrier: threading.Barrier) -> str:
        copy = Review.objects.get(pk=review.pk)
        barrier.wait()
        try:
            pr.perform_review_move(copy, "hold", by=coordinator, reason=f"Paused by attempt {i}")
        except ConcurrentTransition as error:
            assert str(error) == FASTER_MESSAGE
            return "faster"
        except TransitionNotAllowed:
            return "refused"
        return "won"

    results = race(threads, fire)
    outcomes = Counter(r if isinstance(r, str) else repr(r) for r in results)
    assert outcomes["won"] == 1, f"{threads} threads: {dict(outcomes)}"
    assert outcomes["faster"] + outcomes["refused"] == threads - 1, f"{threads} threads: {dict(outcomes)}"
    assert Review.objects.get(pk=review.pk).state == Review.State.ON_HOLD
    holds = AuditEvent.objects.filter(object_type="peerreview.review", object_id=str(review.pk), action="hold")
    assert holds.count() == 1, f"{threads} threads, 1 winner, but {holds.count()} hold events"
    assert AuditEvent.objects.count() == before + 1
    checked, broken = audit.verify()
    assert broken is None, f"chain broken after {checked} events: {broken}"


def test_two_reviewers_saving_ratings_at_the_same_moment_both_keep_their_work(desk_review, lead_reviewer, reviewer):
    """Lead and peer save their desk-review ratings together, five times over: nothing is lost."""
    review = desk_review["review"]
    standards = list(review.standards_in_scope().order_by("position"))
    assignments = {
        lead_reviewer.pk: Assignment.objects.get(review=review, reviewer=lead_reviewer),
        reviewer.pk: Assignment.objects.get(review=review, reviewer=reviewer),
    }
    people = [lead_reviewer, reviewer]
    rounds = 5

    def wanted(person_index: int, round_no: int, k: int) -> tuple[int, str]:
        rating = 1 + (person_index + round_no + k) % 4
        return rating, f"Round {round_no}: {people[person_index].full_name} on standard {k}."

    for round_no in range(rounds):

        def save(i: int, barrier: threading.Barrier, round_no: int = round_no) -> int:
            person = people[i]
            assignment = Assignment.objects.get(pk=assignments[person.pk].pk)
            barrier.wait()
            for k, standard in enumerate(standards):
                rating, rationale = wanted(i, round_no, k)
                pr.save_rating(assignment, standard, by=person, rating=rating, rationale=rationale)
            return len(standards)

        results = race(2, save)
        assert results == [len(standards)] * 2, f"round {round_no}: {results!r}"
        for i, person in enumerate(people):
            saved = {
                r.standard_id: (r.rating, r.rationale)
                for r in ReviewerRating.objects.filter(assignment=assignments[person.pk])
            }
            expected = {s.pk: wanted(i, round_no, k) for k, s in enumerate(standards)}
            assert saved == expected, f"round {round_no}: {person.full_name} lost work"

    assert ReviewerRating.objects.filter(assignment__review=review).count() == 2 * len(standards)
    for person in people:
        rows = ReviewerRating.history.filter(assignment_id=assignments[person.pk].pk, history_change_reason="rate")
        assert rows.count() == rounds * len(standards)
        assert set(rows.values_list("history_user_id", flat=True)) == {person.pk}
    checked, broken = audit.verify()
    assert broken is None, f"chain broken after {checked} events: {broken}"


def test_concurrent_appends_from_many_objects_never_fork_the_chain():
    """8 threads x 10 widgets each, all submitted at once: 80 events in one unbroken chain."""
    threads, per_thread = 8, 10
    owners = [UserFactory() for _ in range(threads)]
    widgets = [
        [Widget.objects.create(title=f"w{i}-{n}", owner=owners[i]) for n in range(per_thread)] for i in range(threads)
    ]
    assert AuditEvent.objects.count() == 0

    def submit_all(i: int, barrier: threading.Barrier) -> int:
        mine = [Widget.objects.get(pk=w.pk) for w in widgets[i]]
        barrier.wait()
        for widget in mine:
            transition(widget, "submit", by=owners[i])
        return len(mine)

    results = race(threads, submit_all)
    assert results == [per_thread] * threads, f"{threads} threads x {per_thread}: {results!r}"
    total = threads * per_thread
    events = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash", "object_id"))
    assert len(events) == total, f"{threads} threads x {per_thread} transitions gave {len(events)} events"
    prevs = [p for p, _, _ in events]
    assert len(set(prevs)) == total, f"{total - len(set(prevs))} events share a predecessor: the chain forked"
    assert len({h for _, h, _ in events}) == total
    assert {o for _, _, o in events} == {str(w.pk) for row in widgets for w in row}
    checked, broken = audit.verify()
    assert (checked, broken) == (total, None), f"verify() checked {checked} of {total}: {broken}"
    assert Widget.objects.filter(state=Widget.State.SUBMITTED).count() == total
