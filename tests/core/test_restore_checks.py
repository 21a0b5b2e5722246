"""Restore checks a scratch copy before it writes anything; the chain's head anchors verify_audit.

Issue 16: restore wrote before it checked, `--replace` overwrote the good database first, an
archive without the append-only trigger restored into a table that accepted UPDATE, an appended
or removed event passed `verify_audit`, and an emptied table reported "intact: 0 events".
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import audit
from core.models import GENESIS_HASH
from tests.core.test_backup import _manage
from tests.core.test_backup import empty_database as empty_database  # noqa: F401 - a fixture
from tests.factories import UserFactory
from tests.testapp.models import Widget

pytestmark = pytest.mark.integration


@pytest.fixture
def chain(db):
    owner = UserFactory()
    widget = Widget.objects.create(title="w", owner=owner)
    return [audit.append(widget, action=f"step{i}", actor=owner) for i in range(4)]


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        else:
            with audit.maintenance():
                cursor.execute(sql, params)


# --- verify_audit --expect-head ---------------------------------------------------------------------
def test_head_is_count_and_hash(chain):
    assert audit.head() == f"4:{chain[-1].hash}"


def test_verify_passes_through_a_recorded_head_and_counts_what_came_after(chain, capsys):
    recorded = f"2:{chain[1].hash}"
    call_command("verify_audit", expect_head=recorded)
    out = capsys.readouterr().out
    assert "Audit chain intact: 4 events. It passes through the recorded head; 2 events were added since." in out


def test_verify_detects_truncation_against_the_recorded_head(chain):
    recorded = audit.head()
    _tamper("DELETE FROM core_auditevent WHERE id >= %s", [chain[2].pk])
    assert audit.verify() == (2, None)  # the shorter chain is valid on its own
    with pytest.raises(CommandError, match="has 2 events but had 4 when the head was recorded"):
        call_command("verify_audit", expect_head=recorded)


def test_verify_detects_a_rebuilt_tail_against_the_recorded_head(chain):
    recorded = audit.head()
    # Remove the newest event and append a forged one in its place, with valid hashes.
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [chain[3].pk])
    forged = audit.append(chain[0], action="forged", reason="nothing happened")
    assert audit.verify() == (4, None)
    assert forged.hash != chain[3].hash
    with pytest.raises(CommandError, match="event 4 is not the one recorded"):
        call_command("verify_audit", expect_head=recorded)


def test_an_emptied_table_is_not_reported_intact(chain):
    recorded = audit.head()
    _tamper("DELETE FROM core_auditevent", [])
    with pytest.raises(CommandError, match="The audit chain is empty"):
        call_command("verify_audit")
    with pytest.raises(CommandError, match="has 0 events but had 4"):
        call_command("verify_audit", expect_head=recorded, allow_empty=True)


def test_a_new_database_may_be_empty_when_said_so(db, capsys):
    call_command("verify_audit", allow_empty=True, expect_head=f"0:{GENESIS_HASH}")
    assert "Audit chain intact: 0 events." in capsys.readouterr().out


@pytest.mark.parametrize("text", ["4", "x:abc", "4:" + "g" * 64])
def test_a_malformed_head_is_refused_plainly(db, text):
    with pytest.raises(CommandError, match="is not a chain head"):
        call_command("verify_audit", expect_head=text)


# --- backup prints the head; restore checks before it writes -----------------------------------------
@pytest.mark.django_db(transaction=True)
def test_backup_prints_and_exports_the_head(tmp_path, chain, capsys):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    head = audit.head()
    assert f"Audit chain head: {head}" in capsys.readouterr().out
    assert (tmp_path / "b.tar.gz.head").read_text() == head + "\n"


def _rewrite_archive(archive: Path, out: Path, *, manifest_change=None, database_change=None) -> Path:
    """A copy of `archive` with its manifest or (SQLite) database file altered."""
    with tarfile.open(archive, "r:gz") as src:
        entries = {m.name: src.extractfile(m).read() for m in src.getmembers() if m.isfile()}
    manifest = json.loads(entries["manifest.json"])
    if manifest_change:
        manifest_change(manifest)
    if database_change:
        db_file = out.with_suffix(".sqlite3")
        db_file.write_bytes(entries["database.sqlite3"])
        con = sqlite3.connect(db_file)
        database_change(con)
        con.commit()
        con.close()
        entries["database.sqlite3"] = db_file.read_bytes()
    entries["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(out, "w:gz") as dst:
        for name, body in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            dst.addfile(info, io.BytesIO(body))
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@pytest.mark.django_db(transaction=True)
def test_an_archive_without_the_append_only_trigger_is_refused_and_nothing_is_written(tmp_path, chain, empty_database):
    if connection.vendor != "sqlite":
        pytest.skip("the archive is edited as a SQLite file; PostgreSQL shares the check (check_database)")
    good = tmp_path / "good.tar.gz"
    call_command("backup", output=good)

    def drop_triggers(con: sqlite3.Connection) -> None:
        con.execute("DROP TRIGGER core_auditevent_no_update")
        con.execute("DROP TRIGGER core_auditevent_no_delete")

    bad = _rewrite_archive(good, tmp_path / "bad.tar.gz", database_change=drop_triggers)
    target = Path(empty_database.removeprefix("sqlite:///"))
    result = _manage("restore", str(bad), database_url=empty_database, media_root=tmp_path / "m")
    assert result.returncode != 0
    assert "no append-only trigger" in result.stderr and "nothing was changed" in result.stderr
    tables = sqlite3.connect(target).execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    assert tables == (0,)


@pytest.mark.django_db(transaction=True)
def test_replace_with_a_failing_archive_leaves_the_good_database_alone(tmp_path, chain, empty_database):
    if connection.vendor != "sqlite":
        pytest.skip("the target is compared as a file; the PostgreSQL path is covered by test_backup.py")
    good = tmp_path / "good.tar.gz"
    call_command("backup", output=good)
    first = _manage("restore", str(good), database_url=empty_database, media_root=tmp_path / "m")
    assert first.returncode == 0, first.stderr
    target = Path(empty_database.removeprefix("sqlite:///"))
    before = _digest(target)

    def miscount(manifest: dict) -> None:
        manifest["tables"]["core_auditevent"] += 1
        manifest["audit_events"] += 1

    bad = _rewrite_archive(good, tmp_path / "bad.tar.gz", manifest_change=miscount)
    result = _manage("restore", "--replace", str(bad), database_url=empty_database, media_root=tmp_path / "m")
    assert result.returncode != 0
    assert "fails its checks; nothing was changed" in result.stderr
    assert _digest(target) == before


@pytest.mark.django_db(transaction=True)
def test_a_restored_database_refuses_audit_edits(tmp_path, chain, empty_database):
    good = tmp_path / "good.tar.gz"
    call_command("backup", output=good)
    result = _manage("restore", str(good), database_url=empty_database, media_root=tmp_path / "m")
    assert result.returncode == 0, result.stderr
    assert "append-only" in result.stdout
    edit = _manage(
        "shell",
        "-c",
        "from django.db import connection\n"
        "try:\n"
        "    connection.cursor().execute(\"UPDATE core_auditevent SET reason = 'x'\")\n"
        "    print('EDITED')\n"
        "except Exception as e:\n"
        "    print('REFUSED', e)\n",
        database_url=empty_database,
        media_root=tmp_path / "m",
    )
    assert "REFUSED" in edit.stdout and "append-only" in edit.stdout, edit.stdout + edit.stderr
