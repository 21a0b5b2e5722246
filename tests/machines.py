"""Helpers for the machine tables (tests/casework/test_machines.py, tests/peerreview/test_machines.py).

A table is `{move: (sources, target, who)}`, written from DESIGN.md rather than read from the code,
so that adding, removing or re-wiring a move, or changing who may make it, fails until the table
(and the design) says so too.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from core.workflow import may

Table = dict[str, tuple[set[str], str, set[str]]]


def declared_moves(model: type[models.Model]) -> set[tuple[str, str, str]]:
    """(move, source, target) for every transition the model's state field declares."""
    field = model._meta.get_field("state")
    return {(t.name, str(t.source), str(t.target)) for t in field.get_all_transitions(model)}


def table_moves(table: Table) -> set[tuple[str, str, str]]:
    """(move, source, target) for every row of a table."""
    return {(name, str(source), str(target)) for name, (sources, target, _) in table.items() for source in sources}


def who_may(obj: models.Model, name: str, people: dict[str, Any]) -> dict[str, set[str]]:
    """For each source of the move: the names of the people who hold its permission on `obj`."""
    model = type(obj)
    transitions = model._meta.get_field("state").get_all_transitions(model)
    return {
        str(t.source): {role for role, person in people.items() if may(t, obj, person)}
        for t in transitions
        if t.name == name
    }


def one_event_per_move(obj: models.Model) -> None:
    """Every state move in the object's history has exactly one audit event, in the same order
    (for the rule-based machines: tests/*/test_*_machine.py)."""
    from core.models import AuditEvent

    model = type(obj)
    names = {t.name for t in model._meta.get_field("state").get_all_transitions(model)}
    reasons = obj.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True)
    moves = [reason for reason in reasons if reason in names]
    events = AuditEvent.objects.filter(object_type=model._meta.label_lower, object_id=str(obj.pk))
    audited = list(events.exclude(target_state="").order_by("id").values_list("action", flat=True))
    assert moves == audited, f"{model.__name__} {obj.pk}: moves {moves} but audit events {audited}"
