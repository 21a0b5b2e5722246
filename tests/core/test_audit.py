import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import GENESIS_HASH, AuditEvent
from tests.testapp.models import Widget

pytestmark = pytest.mark.unit


@pytest.fixture
def chain(contact):
    widget = Widget.objects.create(title="w", owner=contact)
    return [audit.append(widget, action=f"step{i}", actor=contact, reason=f"r{i}", payload={"n": i}) for i in range(5)]


def test_append_links_each_event_to_the_previous(chain):
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
    stored = AuditEvent.objects.get(pk=chain[2].pk)
    assert stored.compute_hash() == stored.hash  # what the database returns hashes the same


def test_verify_passes_an_intact_chain(chain, capsys):
    assert audit.verify() == (5, None)
    call_command("verify_audit")
    assert "Audit chain intact: 5 events" in capsys.readouterr().out


def test_queryset_update_and_delete_are_refused(chain):
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=chain[0].pk).update(reason="edited")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize("sql", ["UPDATE core_auditevent SET reason = 'edited'", "DELETE FROM core_auditevent"])
def test_audit_update_is_refused_by_the_database(chain, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.filter(reason="edited").count() == 0


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the trigger's back, as someone with owner rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        else:
            with audit.maintenance():
                cursor.execute(sql, params)


def test_verify_names_an_edited_row(chain):
    _tamper("UPDATE core_auditevent SET reason = %s WHERE id = %s", ["nothing to see", chain[2].pk])
    checked, broken = audit.verify()
    assert (checked, broken.event_id) == (2, chain[2].pk)
    assert "content was changed" in broken.problem
    with pytest.raises(CommandError, match=f"audit event {chain[2].pk}"):
        call_command("verify_audit")


def test_verify_names_the_row_after_a_deleted_one(chain):
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [chain[1].pk])
    checked, broken = audit.verify()
    assert (checked, broken.event_id) == (1, chain[2].pk)
    assert "does not follow" in broken.problem


def test_verify_catches_a_rehashed_row_at_the_next_link(chain):
    row = AuditEvent.objects.get(pk=chain[3].pk)
    row.reason = "rewritten"
    _tamper(
        "UPDATE core_auditevent SET reason = %s, hash = %s WHERE id = %s", ["rewritten", row.compute_hash(), row.pk]
    )
    checked, broken = audit.verify()
    assert broken.event_id == chain[4].pk


def test_prev_hash_is_unique_so_the_chain_cannot_fork(chain):
    fork = AuditEvent(
        **{f: getattr(chain[1], f) for f in ["created_at", "object_type", "object_id", "object_repr", "action"]}
    )
    fork.prev_hash = chain[1].prev_hash
    fork.hash = "f" * 64
    with pytest.raises(DatabaseError), transaction.atomic():
        fork.save(force_insert=True)


def test_acting_as_attributes_history_outside_requests(contact, administrator):
    with audit.acting_as(administrator):
        widget = Widget.objects.create(title="made by a command", owner=contact)
    assert widget.history.get().history_user == administrator
