import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEvent
from core.workflow import ConcurrentTransition, TransitionNotAllowed, available_transitions, transition
from tests.testapp.models import Widget

pytestmark = pytest.mark.unit


@pytest.fixture
def widget(contact):
    return Widget.objects.create(title="Annual report", owner=contact)


def test_transition_saves_state_history_and_one_audit_event(widget, contact):
    when = timezone.now()
    result = transition(widget, "submit", by=contact, when=when)

    assert Widget.objects.get(pk=widget.pk).state == Widget.State.SUBMITTED
    history = result.history.first()
    assert (history.history_change_reason, history.history_user, history.state) == ("submit", contact, "submitted")
    events = list(AuditEvent.objects.filter(object_type="testapp.widget", object_id=str(widget.pk)))
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.source_state, event.target_state) == ("submit", "draft", "submitted")
    assert (event.actor, event.role) == (contact, "owner")
    assert event.actor_name == f"{contact.full_name} <{contact.email}>"
    assert event.payload["changes"]["submitted_at"] == [None, str(when)]


@pytest.mark.parametrize("state", [s for s in Widget.State if s != Widget.State.DRAFT])
def test_submit_is_refused_from_every_other_state(contact, state):
    widget = Widget.objects.create(title="x", owner=contact, state=state)
    with pytest.raises(TransitionNotAllowed, match="not possible while it is"):
        transition(widget, "submit", by=contact)
    assert AuditEvent.objects.count() == 0


def test_permission_is_enforced_even_though_django_fsm_does_not(widget, outsider):
    with pytest.raises(PermissionDenied):
        transition(widget, "submit", by=outsider)
    widget.refresh_from_db()
    assert widget.state == Widget.State.DRAFT
    assert AuditEvent.objects.count() == 0


def test_unmet_guard_is_named_and_nothing_changes(contact):
    widget = Widget.objects.create(title="  ", owner=contact)
    with pytest.raises(TransitionNotAllowed, match=r"^Submit cannot happen until the widget has a title\.$"):
        transition(widget, "submit", by=contact)
    assert Widget.objects.get(pk=widget.pk).state == Widget.State.DRAFT
    assert widget.history.count() == 1  # only the creation


def test_reason_is_required_where_the_transition_says_so(contact, coordinator):
    widget = Widget.objects.create(title="x", owner=contact, state=Widget.State.SUBMITTED)
    with pytest.raises(ValidationError):
        transition(widget, "reject", by=coordinator, reason="   ")
    assert Widget.objects.get(pk=widget.pk).state == Widget.State.SUBMITTED
    transition(widget, "reject", by=coordinator, reason="Figures do not add up")
    event = AuditEvent.objects.get()
    assert (event.reason, event.role, event.target_state) == ("Figures do not add up", "coordinator", "rejected")


def test_stale_copy_gets_concurrent_transition(widget, contact, coordinator):
    stale = Widget.objects.get(pk=widget.pk)
    transition(widget, "submit", by=contact)
    fresh = Widget.objects.get(pk=widget.pk)
    transition(fresh, "approve", by=coordinator)
    with pytest.raises(ConcurrentTransition):
        transition(stale, "submit", by=contact)
    assert AuditEvent.objects.count() == 2


def test_available_transitions_follow_state_guards_and_permissions(widget, contact, coordinator):
    assert [t.name for t in available_transitions(widget, contact)] == ["submit"]
    assert available_transitions(widget, coordinator) == []
    submitted = transition(widget, "submit", by=contact)
    names = sorted(t.name for t in available_transitions(submitted, coordinator))
    assert names == ["approve", "reject"]
    reject = next(t for t in available_transitions(submitted, coordinator) if t.name == "reject")
    assert reject.reason_required and reject.style == "warning"
    assert available_transitions(submitted, contact) == []  # owners may not decide their own


def test_unknown_transition_name_is_a_programming_error(widget, contact):
    with pytest.raises(ValueError, match="no transition"):
        transition(widget, "save", by=contact)


def test_direct_state_assignment_is_refused(widget):
    with pytest.raises(AttributeError):
        widget.state = Widget.State.APPROVED


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_only_one_wins(django_db_blocker):
    """Two threads fire the same move at once: exactly one succeeds, one audit event is written."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    from tests.factories import UserFactory

    owner = UserFactory()
    widget = Widget.objects.create(title="race", owner=owner)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def fire() -> None:
        from django.db import connections

        copy = Widget.objects.get(pk=widget.pk)
        barrier.wait()
        try:
            transition(copy, "submit", by=owner)
            outcomes.append("won")
        except (ConcurrentTransition, TransitionNotAllowed):
            outcomes.append("faster")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["faster", "faster", "faster", "won"]
    assert AuditEvent.objects.filter(object_type="testapp.widget").count() == 1
    from core import audit

    assert audit.verify()[1] is None
