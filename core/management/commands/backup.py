"""Write the database and the uploaded files to one archive: `manage.py backup [--output FILE]`.

The archive (a .tar.gz readable only by its owner: it holds confidential case files) contains
- `manifest.json`: when, which database engine, the row count of every table, the audit chain's
  length and head hash, and the size and SHA-256 of every uploaded file;
- `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite, a
  consistent copy through SQLite's online backup API);
- `media/…`: the uploaded files.

On PostgreSQL the row counts and the dump read the same snapshot (`pg_export_snapshot`), so the
manifest describes exactly what was dumped. The database is copied before the files, so every
file a row points to is in the archive (files are written before their rows are committed).
`manage.py restore` reads it back and checks it against the manifest.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.models import GENESIS_HASH

FORMAT = 1
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"


def table_counts(cursor: Any, vendor: str) -> dict[str, int]:
    """Rows in every table of the database, by name (the same query on both sides of a restore)."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT COUNT(*) FROM "{name}"')  # noqa: S608 - names come from the catalogue
        counts[name] = cursor.fetchone()[0]
    return counts


def audit_head(cursor: Any) -> str:
    cursor.execute("SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return row[0] if row else ""


def chain_head(manifest: dict[str, Any]) -> str:
    """The audit chain's head in the archive, as `COUNT:HASH` (core.audit.head's format)."""
    return f"{manifest['audit_events']}:{manifest['audit_head'] or GENESIS_HASH}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> dict[str, dict[str, Any]]:
    """Every regular file under MEDIA_ROOT (symbolic links are not followed), by relative path."""
    if not root.is_dir():
        return {}
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(root).as_posix()] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    return found


def pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection flags and environment for pg_dump/pg_restore from Django's own settings."""
    db = settings.DATABASES["default"]
    flags = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        flags += ["--host", db["HOST"]]
    if db.get("PORT"):
        flags += ["--port", str(db["PORT"])]
    if db.get("USER"):
        flags += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return flags, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise CommandError(f"{command[0]} is missing: install the PostgreSQL client (Debian postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed program
    if result.returncode != 0:
        raise CommandError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_postgres(target: Path) -> dict[str, Any]:
    import psycopg

    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER")}
    params |= {"password": db["PASSWORD"]} if db.get("PASSWORD") else {}
    snapshot_conn = psycopg.connect(**{k: v for k, v in params.items() if v})
    try:
        snapshot_conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot_conn.read_only = True
        with snapshot_conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None  # the function returns exactly one row
            snapshot = row[0]
            counts = table_counts(cursor, "postgresql")
            head = audit_head(cursor)
            flags, env = pg_environment()
            dump = ["pg_dump", "--format=custom", "--no-owner", "--snapshot", snapshot, "--file", str(target)]
            _run([*dump, *flags], env)
    finally:
        snapshot_conn.rollback()
        snapshot_conn.close()
    return {"tables": counts, "audit_head": head}


def _copy_sqlite(target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy, even while others write (WAL)
        cursor = copy.cursor()
        return {"tables": table_counts(cursor, "sqlite"), "audit_head": audit_head(cursor)}
    finally:
        copy.close()


def write_backup(output: Path) -> dict[str, Any]:
    """Write the archive to `output`; return its manifest."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CommandError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    if connection.in_atomic_block:
        # Uncommitted rows would be missing from pg_dump, and SQLite's backup would wait on our own lock.
        raise CommandError("Run the backup outside a transaction.")
    media_root = Path(settings.MEDIA_ROOT)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="backup-") as scratch:
        database_file = Path(scratch) / (SQLITE_FILE if vendor == "sqlite" else POSTGRES_FILE)
        database = _copy_sqlite(database_file) if vendor == "sqlite" else _dump_postgres(database_file)
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "vendor": vendor,
            "database_file": database_file.name,
            "tables": database["tables"],
            "audit_events": database["tables"].get("core_auditevent", 0),
            "audit_head": database["audit_head"],
            "media": files,
        }
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(body), 0o600
            archive.addfile(info, io.BytesIO(body))
            archive.add(database_file, arcname=database_file.name, recursive=False)
            for name in files:
                archive.add(media_root / name, arcname=f"media/{name}", recursive=False)
        partial.replace(output)
    return manifest


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive (default: backups/<name>-<time>.tar.gz)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the archive.")

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        if output is None:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            name = Path(str(settings.DATABASES["default"]["NAME"])).stem or "database"
            output = Path(settings.BASE_DIR) / "backups" / f"{name}-{stamp}.tar.gz"
        manifest = write_backup(output)
        rows = sum(manifest["tables"].values())
        head = chain_head(manifest)
        # The head beside the archive, for copying somewhere the database's owner cannot reach.
        head_file = output.with_name(output.name + ".head")
        head_file.write_text(head + "\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {len(manifest['tables'])} tables ({rows} rows), {manifest['audit_events']} audit events "
                f"and {len(manifest['media'])} uploaded files to {output}"
            )
        )
        self.stdout.write(
            f"Audit chain head: {head}\n"
            f"Keep it outside this server (also in {head_file.name}); check later with "
            f"`manage.py verify_audit --expect-head {head}`."
        )
