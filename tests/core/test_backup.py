"""Backup and restore: an archive restores into an empty database with every row, file and audit event."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.management.commands.backup import table_counts
from core.management.commands.restore import read_archive
from organisations.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.scenes import case_awaiting_decision, published_version, review_in_desk_review

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# Run in the restored database's own process: what is there, and is the chain intact?
INSPECT = """
import json
from pathlib import Path
from django.conf import settings
from django.db import connection
from core import audit
from core.management.commands.backup import media_files, table_counts
with connection.cursor() as cursor:
    counts = table_counts(cursor, connection.vendor)
checked, broken = audit.verify()
print(json.dumps({"tables": counts, "audit": [checked, str(broken) if broken else None],
                  "media": media_files(Path(settings.MEDIA_ROOT))}))
"""


def _manage(*args: str, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ) | {"DATABASE_URL": database_url, "DJANGO_MEDIA_ROOT": str(media_root)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def empty_database(tmp_path):
    """The address of an empty database of the same kind as the test database; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_restored"
    server = {"host": params["HOST"] or None, "port": params["PORT"] or None, "user": params["USER"] or None}
    server |= {"password": params["PASSWORD"]} if params["PASSWORD"] else {}
    admin = psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in server.items() if v})
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{params['USER']}@"
    try:
        yield f"postgres://{auth}{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db(transaction=True)  # committed rows, so that pg_dump (another process) sees them
def test_backup_restores_into_an_empty_database(
    tmp_path, settings, empty_database, steward, hub, participant, reviewed_org, coordinator, lead_reviewer, caseworker
):
    # Data in every app, an uploaded evidence file, and audit events.
    settings.PEER_REVIEW_SAME_BOROUGH_CONFLICT = False
    contact = UserFactory(email="contact-b@example.org")
    MembershipFactory(person=contact, organisation=reviewed_org, role=Membership.Role.CONTACT)
    peer = UserFactory(email="peer-b@example.org")
    MembershipFactory(person=peer, organisation=lead_reviewer.memberships.get().organisation, role="reviewer")
    version = published_version(steward=steward, owner=hub, commenter=participant)
    scene = review_in_desk_review(
        version=version,
        organisation=reviewed_org,
        coordinator=coordinator,
        lead=lead_reviewer,
        peer=peer,
        contact=contact,
    )
    case_awaiting_decision(caseworker=caseworker, organisation=reviewed_org)
    with connection.cursor() as cursor:
        before = table_counts(cursor, connection.vendor)
    evidence_bytes = Path(scene["evidence"].file.path).read_bytes()

    archive = tmp_path / "backups" / "site.tar.gz"
    call_command("backup", output=archive)
    assert archive.stat().st_mode & 0o077 == 0  # confidential: readable by its owner only
    manifest, _, members = read_archive(archive, tmp_path)
    assert manifest["tables"] == before and manifest["audit_events"] > 10 and len(members) == 1

    restored_media = tmp_path / "restored-media"
    result = _manage("restore", str(archive), database_url=empty_database, media_root=restored_media)
    assert result.returncode == 0, result.stderr
    assert "chain intact" in result.stdout

    inspect = _manage("shell", "-c", INSPECT, database_url=empty_database, media_root=restored_media)
    assert inspect.returncode == 0, inspect.stderr
    after = json.loads(inspect.stdout.strip().splitlines()[-1])
    assert after["tables"] == before
    assert after["audit"] == [before["core_auditevent"], None]
    assert set(after["media"]) == set(manifest["media"])
    assert (restored_media / scene["evidence"].file.name).read_bytes() == evidence_bytes

    # Restoring again over the now populated database is refused without --replace.
    again = _manage("restore", str(archive), database_url=empty_database, media_root=restored_media)
    assert again.returncode != 0 and "already has" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables(tmp_path):
    archive = tmp_path / "b.tar.gz"
    call_command("backup", output=archive)
    with pytest.raises(CommandError, match="already has"):
        call_command("restore", str(archive))


def _archive_with(tmp_path: Path, name: str, manifest_media: dict) -> Path:
    path = tmp_path / "evil.tar.gz"
    manifest = {"format": 1, "vendor": connection.vendor, "database_file": "database.sqlite3", "media": manifest_media}
    with tarfile.open(path, "w:gz") as archive:
        for member, body in [("manifest.json", json.dumps(manifest).encode()), ("database.sqlite3", b""), (name, b"x")]:
            info = tarfile.TarInfo(member)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return path


@pytest.mark.parametrize(
    ("entry", "listed", "message"),
    [
        ("media/../../outside.txt", {"../../outside.txt": {}}, "unsafe entry"),
        ("media//etc/passwd", {"/etc/passwd": {}}, "unsafe entry"),
        ("media/unlisted.txt", {}, "does not list"),
        ("settings.py", {}, "unexpected entry"),
    ],
)
def test_restore_refuses_archives_that_reach_outside_or_add_files(tmp_path, entry, listed, message):
    with pytest.raises(CommandError, match=message):
        read_archive(_archive_with(tmp_path, entry, listed), tmp_path)
