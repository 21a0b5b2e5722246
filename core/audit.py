"""The audit trail: who did what, in which role, and why; appended to a tamper-evident hash chain.

- `append()` writes one AuditEvent in the caller's transaction, chained to the previous one.
- `verify()` walks the chain and returns the first broken link.
- `acting_as()` names the actor for code that runs without a request (commands, tasks), so that
  django-simple-history rows and audit events are attributed there too.
- `audited_history()` is the HistoricalRecords every domain model uses.
- `append_many()`, `historical()` and `keep_timestamps()` are the bulk paths (demo data at scale,
  imports): the same chain and the same history rows, written a batch at a time.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.models import GENESIS_HASH, AuditEvent, canonical_json
from core.types import User

_actor: contextvars.ContextVar[User | None] = contextvars.ContextVar("audit_actor", default=None)

# An arbitrary constant: the key of the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 7_301_946_2


@contextlib.contextmanager
def acting_as(user: User | None) -> Iterator[None]:
    """Attribute history rows written inside the block to `user` (for commands and tasks)."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> User | None:
    return _actor.get()


def history_user(instance: Any = None, request: Any = None, **kwargs: Any) -> Any:
    """simple-history's get_user: the signed-in person of the request, else the `acting_as` actor."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return _actor.get()


def audited_history(**kwargs: Any) -> HistoricalRecords:
    """The HistoricalRecords for every domain model: field-level history attributed to the actor."""
    return HistoricalRecords(get_user=history_user, **kwargs)


def _lock_chain() -> None:
    """Take the chain lock: always the last lock a write transaction takes (ARCHITECTURE.md, "Audit").

    SQLite serialises writers already (transaction_mode=IMMEDIATE). On PostgreSQL two appenders
    would read the same head; the unique prev_hash would refuse the second, so queue them instead.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks them at COMMIT,
    taking a key-share lock on each referenced row then: after this lock. A case note would hold
    the chain and wait for its case row while a case move held that row (`select_for_update`)
    and waited for the chain: a deadlock. Firing the pending checks first takes those row locks
    before the chain lock; switching back to DEFERRED keeps later inserts in the transaction
    (which may refer to rows not written yet) working as before.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def append(
    obj: models.Model,
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    role: str = "",
    reason: str = "",
    source_state: str = "",
    target_state: str = "",
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event about `obj` to the chain, in the current transaction."""
    user = actor if actor is not None else _actor.get()
    actor = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            created_at=timezone.now(),
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action=action,
            source_state=source_state or "",
            target_state=target_state or "",
            actor=actor,
            actor_name=_name_of(actor),
            role=role or "",
            reason=reason or "",
            # Normalise through JSON now, so the hash covers exactly what the database returns later.
            payload=json.loads(canonical_json(payload or {})),
            prev_hash=head or GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def append_many(events: Iterable[AuditEvent], *, batch_size: int = 2000) -> int:
    """Bulk twin of `append()`: chain pre-built, unsaved events after the head, in the given order.

    Each event carries its content (created_at, object_type/id/repr, action, states, actor, role,
    reason, payload); actor_name, prev_hash and hash are filled here exactly as `append()` fills
    them, under the same lock and in the caller's transaction. Rows are inserted in list order, so
    ascending ids follow the chain and `verify()` walks it unchanged. Returns how many were written.
    """
    with transaction.atomic():
        _lock_chain()
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        batch: list[AuditEvent] = []
        written = 0
        for event in events:
            if event.pk is not None:
                raise ValueError("append_many() takes unsaved events only.")
            actor = event.actor if event.actor_id is not None else None
            # The hash covers created_at.isoformat(): use UTC, as the database will give it back.
            event.created_at = event.created_at.astimezone(datetime.UTC)
            event.actor_name = event.actor_name or _name_of(actor)
            event.object_repr = (event.object_repr or "")[:200]
            event.payload = json.loads(canonical_json(event.payload or {}))
            event.prev_hash = prev
            event.hash = event.compute_hash()
            prev = event.hash
            batch.append(event)
            if len(batch) >= batch_size:
                AuditEvent.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            AuditEvent.objects.bulk_create(batch)
            written += len(batch)
    return written


def event_for(obj: models.Model, *, action: str, when: Any, actor: User | None = None, **fields: Any) -> AuditEvent:
    """An unsaved AuditEvent about `obj`, for `append_many()`."""
    return AuditEvent(
        created_at=when,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        actor=actor,
        **fields,
    )


def historical(
    obj: models.Model, *, when: Any, user: User | None, reason: str, kind: str = "~", **overrides: Any
) -> Any:
    """An unsaved simple-history row for `obj` as it stood at `when` (its fields, then `overrides`).

    Bulk loads write one of these per change they imply ("+" for the creation, "~" for each later
    change), exactly what `save()` would have written, and `bulk_create` them on `Model.history.model`.
    """
    history_model, attnames = _history_of(type(obj))
    values = {name: getattr(obj, name) for name in attnames}
    values.update(overrides)
    return history_model(
        history_date=when, history_type=kind, history_user=user, history_change_reason=reason, **values
    )


@functools.cache
def _history_of(model: type[models.Model]) -> tuple[Any, tuple[str, ...]]:
    # `Model.history` builds a manager on every access: look the historical model up once.
    history_model = model.history.model  # type: ignore[attr-defined]
    return history_model, tuple(f.attname for f in history_model.tracked_fields)


@contextlib.contextmanager
def keep_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk loads set created_at/updated_at themselves (auto_now/auto_now_add would overwrite them)."""
    saved: list[tuple[models.DateField[Any, Any] | models.TimeField[Any, Any], bool, bool]] = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            # DateTimeField is a DateField; these are the fields with auto_now and auto_now_add.
            if not isinstance(field, models.DateField | models.TimeField):
                continue
            if field.auto_now or field.auto_now_add:
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _name_of(actor: User | None) -> str:
    if actor is None:
        return ""
    full_name = getattr(actor, "full_name", "") or ""
    email = getattr(actor, "email", "") or ""
    return f"{full_name} <{email}>" if full_name else email


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    problem: str

    def __str__(self) -> str:
        return f"audit event {self.event_id}: {self.problem}"


def verify(chunk_size: int = 2000, *, using: str = "default") -> tuple[int, BrokenLink | None]:
    """Walk the whole chain in order; return (events checked, first broken link or None)."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.using(using).order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != expected_prev:
            return checked, BrokenLink(event.id, "does not follow the previous event (a row was removed or reordered)")
        if event.compute_hash() != event.hash:
            return checked, BrokenLink(event.id, "its content was changed after it was written")
        expected_prev = event.hash
        checked += 1
    return checked, None


def head(*, using: str = "default") -> str:
    """The chain's head, as `COUNT:HASH`: what backups print and `verify_audit --expect-head` checks.
    Keep it outside the database (a ticket, an email, another system): that is what the chain is
    checked against, since anyone who can write the table can rebuild a valid shorter chain."""
    events = AuditEvent.objects.using(using)
    last = events.order_by("-id").values_list("hash", flat=True).first()
    return f"{events.count()}:{last or GENESIS_HASH}"


def parse_head(text: str) -> tuple[int, str]:
    """`COUNT:HASH` as (count, hash); ValueError with a plain message otherwise."""
    count, _, digest = text.strip().partition(":")
    if not count.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{text!r} is not a chain head: expected COUNT:HASH, as backup and verify_audit print it.")
    return int(count), digest


def check_anchor(expected: str, *, using: str = "default") -> list[str]:
    """What is wrong with the chain measured against a head recorded earlier (empty when nothing).

    The event at position COUNT (counting from 1, in chain order) must still carry HASH: a
    truncated chain has fewer events, and a rewritten or replaced one has a different event there.
    Events after it were appended since the head was recorded; they are chained to it, and the
    next recorded head covers them."""
    count, digest = parse_head(expected)
    events = AuditEvent.objects.using(using).order_by("id")
    total = events.count()
    if total < count:
        return [f"the chain has {total} events but had {count} when the head was recorded: events were removed"]
    if count == 0:
        return [] if digest == GENESIS_HASH else ["the recorded head names a hash but no events"]
    at = events.values_list("hash", flat=True)[count - 1]
    if at != digest:
        return [f"event {count} is not the one recorded (hash {at[:12]}…, recorded {digest[:12]}…): it was rebuilt"]
    return []


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The object's own trail, oldest first."""
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).select_related("actor")


def audited_types() -> list[str]:
    """The distinct object types in the trail, in order, for the audit log's filter.

    A plain DISTINCT reads every event (tens of milliseconds at a hundred thousand events); this
    hops from one type to the next through the (object_type, object_id, id) index instead, one
    index probe per type, on SQLite and PostgreSQL alike.
    """
    sql = (
        "WITH RECURSIVE t(name) AS (SELECT MIN(object_type) FROM core_auditevent "
        "UNION ALL SELECT (SELECT MIN(object_type) FROM core_auditevent WHERE object_type > t.name) "
        "FROM t WHERE t.name IS NOT NULL) SELECT name FROM t WHERE name IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


# --- SQLite maintenance switch -------------------------------------------------------------------
# The SQLite triggers that make the audit table append-only call audit_maintenance(). Our own
# connections register it (returning 0 unless a maintenance block is open); any other client has
# no such function, so its UPDATE or DELETE fails. Only the test suite's database flush uses it.
_maintenance = threading.local()


def _maintenance_open() -> int:
    return 1 if getattr(_maintenance, "open", False) else 0


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_maintenance", 0, _maintenance_open, deterministic=False)


@contextlib.contextmanager
def maintenance() -> Iterator[None]:
    """Allow deleting audit rows on SQLite (test database flushes only)."""
    _maintenance.open = True
    try:
        yield
    finally:
        _maintenance.open = False
