"""Restore an archive written by `manage.py backup`: `manage.py restore FILE [--replace]`.

Nothing is written to the configured database or the media folder until the archive has passed
every check in a scratch copy: a scratch SQLite file, or a scratch PostgreSQL database on the same
server. The checks: the row count of every table, the audit chain (intact, same length, same head
hash), the append-only trigger on the audit table (an archive without it is refused: a table that
accepts UPDATE proves nothing), and every uploaded file's SHA-256. Only then is the checked copy
swapped in (SQLite's backup API; on PostgreSQL a rename, which needs every other connection to the
database closed: stop the application first), the trigger installed again, and the files copied
into place. With --replace on PostgreSQL the database it overwrote is kept, renamed.

Into an empty database by default (run it before `migrate`); `--replace` overwrites a database
that has tables, and uploaded files that differ.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from core import audit
from core.management.commands.backup import (
    FORMAT,
    POSTGRES_FILE,
    SQLITE_FILE,
    _run,
    audit_head,
    pg_environment,
    sha256_of,
    table_counts,
)


def _media_name(member: tarfile.TarInfo, manifest: dict[str, Any]) -> str:
    """The member's path under MEDIA_ROOT, refusing anything that could land outside it."""
    rel = PurePosixPath(member.name[len("media/") :])
    if not member.isfile() or rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise CommandError(f"The archive holds an unsafe entry: {member.name!r}")
    if rel.as_posix() not in manifest["media"]:
        raise CommandError(f"The archive holds a file its manifest does not list: {member.name!r}")
    return rel.as_posix()


def _member_file(archive: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes]:
    """An entry's contents (KeyError when there is no such entry); a directory or link has none."""
    file = archive.extractfile(member)
    if file is None:
        name = member if isinstance(member, str) else member.name
        raise CommandError(f"The archive entry {name!r} is not a file.")
    return file


def read_archive(path: Path, scratch: Path) -> tuple[dict[str, Any], Path, list[tuple[tarfile.TarInfo, str]]]:
    """Check the archive's shape and unpack its database file; return (manifest, database file, media members)."""
    if not path.is_file():
        raise CommandError(f"No backup at {path}")
    with tarfile.open(path, mode="r:gz") as archive:
        try:
            manifest = json.load(_member_file(archive, "manifest.json"))
        except KeyError as exc:
            raise CommandError("This is not a backup archive: it has no manifest.json.") from exc
        if manifest.get("format") != FORMAT:
            raise CommandError(f"Unknown backup format {manifest.get('format')!r}.")
        database_name = manifest["database_file"]
        if database_name not in (SQLITE_FILE, POSTGRES_FILE):
            raise CommandError(f"Unexpected database file {database_name!r} in the manifest.")
        members = []
        for member in archive.getmembers():
            if member.name.startswith("media/"):
                members.append((member, _media_name(member, manifest)))
            elif member.name not in ("manifest.json", database_name):
                raise CommandError(f"The archive holds an unexpected entry: {member.name!r}")
        database_file = scratch / database_name
        with _member_file(archive, database_name) as src, database_file.open("wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    missing = set(manifest["media"]) - {name for _, name in members}
    if missing:
        raise CommandError(f"The archive lacks uploaded files its manifest lists: {sorted(missing)[:5]}")
    return manifest, database_file, members


SCRATCH_ALIAS = "restore_scratch"
APPEND_ONLY = importlib.import_module("core.migrations.0003_audit_append_only")
SQLITE_TRIGGERS = {"core_auditevent_no_update", "core_auditevent_no_delete"}
POSTGRES_TRIGGER = "core_auditevent_append_only"


@contextlib.contextmanager
def _connection_to(name: str) -> Iterator[str]:
    """A Django connection alias to database `name` on the configured server (the scratch copy)."""
    connections.settings[SCRATCH_ALIAS] = {**connections.settings["default"], "NAME": name}
    try:
        yield SCRATCH_ALIAS
    finally:
        connections[SCRATCH_ALIAS].close()
        del connections[SCRATCH_ALIAS]
        del connections.settings[SCRATCH_ALIAS]


def has_append_only_trigger(cursor: Any, vendor: str) -> bool:
    """Whether the audit table refuses UPDATE and DELETE (the trigger exists and is enabled)."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditevent'")
        return {row[0] for row in cursor.fetchall()} >= SQLITE_TRIGGERS
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('core_auditevent') AND tgenabled <> 'D' "
        "AND NOT tgisinternal"
    )
    return POSTGRES_TRIGGER in {row[0] for row in cursor.fetchall()}


def check_database(manifest: dict[str, Any], *, using: str = "default") -> list[str]:
    """Differences between a database and the manifest, and a missing trigger (empty when all is well)."""
    problems = []
    db = connections[using]
    with db.cursor() as cursor:
        counts = table_counts(cursor, db.vendor)
        head = audit_head(cursor)
        trigger = has_append_only_trigger(cursor, db.vendor) if "core_auditevent" in counts else False
    if counts != manifest["tables"]:
        diff = {
            t: (manifest["tables"].get(t), counts.get(t))
            for t in set(counts) | set(manifest["tables"])
            if counts.get(t) != manifest["tables"].get(t)
        }
        problems.append(f"row counts differ (table: (backup, restored)): {dict(sorted(diff.items())[:10])}")
    if not trigger:
        problems.append("the audit table has no append-only trigger, so it would accept edits")
    if "core_auditevent" in counts:
        checked, broken = audit.verify(using=using)
        if broken is not None:
            problems.append(f"the audit chain is broken at {broken}")
        elif checked != manifest["audit_events"] or head != manifest["audit_head"]:
            problems.append(f"the audit chain has {checked} events ending {head[:12]}, the backup's differs")
    return problems


def _unpack_media(
    archive_path: Path, members: list[tuple[tarfile.TarInfo, str]], manifest: dict[str, Any], into: Path
) -> list[str]:
    """Unpack the uploaded files into the scratch folder and check each against the manifest."""
    problems = []
    with tarfile.open(archive_path, mode="r:gz") as archive:
        for member, name in members:
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with _member_file(archive, member) as src, target.open("wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
            if sha256_of(target) != manifest["media"][name]["sha256"]:
                problems.append(f"uploaded file differs from its manifest entry: {name}")
    return problems


def _media_conflicts(manifest: dict[str, Any], staged: Path) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return [
        f"uploaded file differs from the backup: {name} (use --replace to overwrite)"
        for name in manifest["media"]
        if (root / name).is_file() and sha256_of(root / name) != sha256_of(staged / name)
    ]


def _install_media(manifest: dict[str, Any], staged: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name in manifest["media"]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged / name, target)


def _install_trigger() -> None:
    """Install the append-only trigger again on the swapped-in database (idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in APPEND_ONLY.SQLITE_FORWARD:
                cursor.execute(sql)
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {POSTGRES_TRIGGER} ON core_auditevent")
            for sql in APPEND_ONLY.POSTGRES_FORWARD:
                cursor.execute(sql)


# --- SQLite: check the unpacked file itself, then copy it over the database ------------------------
def _check_sqlite(database_file: Path, manifest: dict[str, Any]) -> list[str]:
    with _connection_to(str(database_file)) as alias:
        return check_database(manifest, using=alias)


def _swap_sqlite(database_file: Path) -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    source, target = sqlite3.connect(database_file), sqlite3.connect(name)
    try:
        source.backup(target)  # one step for readers: they see the old database or the new one
    finally:
        source.close()
        target.close()


# --- PostgreSQL: restore into a scratch database, check it, then rename it into place --------------
def _admin() -> Any:
    import psycopg

    db = settings.DATABASES["default"]
    params = {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"), "password": db.get("PASSWORD")}
    return psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v})


def _restore_postgres_scratch(database_file: Path) -> str:
    scratch = f"{settings.DATABASES['default']['NAME']}_restore_{os.getpid()}"[:63]
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    flags, env = pg_environment()
    flags[flags.index("--dbname") + 1] = scratch
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    try:
        _run([*command, *flags, str(database_file)], env)
    except CommandError:
        _drop_postgres(scratch)
        raise
    return scratch


def _drop_postgres(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _swap_postgres(scratch: str, *, keep_old: bool) -> str:
    """Rename the checked scratch database into place; return the old database's new name ("" if dropped)."""
    target = settings.DATABASES["default"]["NAME"]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    old = f"{target}_replaced_{stamp}"[:63]
    connection.close()
    with _admin() as admin:
        try:
            admin.execute(f'ALTER DATABASE "{target}" RENAME TO "{old}"')
        except Exception as error:  # noqa: BLE001 - reported in words
            _drop_postgres(scratch)
            raise CommandError(
                f"Could not swap the checked copy in ({error}). Stop the application (every worker) and run "
                "restore again; nothing was changed."
            ) from None
        admin.execute(f'ALTER DATABASE "{scratch}" RENAME TO "{target}"')
        if not keep_old:
            admin.execute(f'DROP DATABASE "{old}"')
            return ""
    return old


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database (or --replace), after checking it in a scratch copy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true", help="Overwrite a database that already has tables.")

    def handle(self, *args: Any, archive: Path, replace: bool, **options: Any) -> None:
        kept = ""
        with tempfile.TemporaryDirectory(prefix="restore-") as scratch_dir:
            manifest, database_file, members = read_archive(archive, Path(scratch_dir))
            if manifest["vendor"] != connection.vendor:
                raise CommandError(
                    f"This backup is of a {manifest['vendor']} database; the configured one is {connection.vendor}."
                )
            with connection.cursor() as cursor:
                existing = table_counts(cursor, connection.vendor)
            if existing and not replace:
                raise CommandError(
                    f"The database already has {len(existing)} tables. Restore into an empty database, "
                    "or pass --replace to overwrite it."
                )
            staged = Path(scratch_dir) / "media"
            problems = _unpack_media(archive, members, manifest, staged)
            if not replace:
                problems += _media_conflicts(manifest, staged)
            scratch_db = ""
            if connection.vendor == "sqlite":
                problems += _check_sqlite(database_file, manifest)
            else:
                scratch_db = _restore_postgres_scratch(database_file)
                with _connection_to(scratch_db) as alias:
                    problems += check_database(manifest, using=alias)
            if problems:
                if scratch_db:
                    _drop_postgres(scratch_db)
                raise CommandError("The backup fails its checks; nothing was changed: " + "; ".join(problems))
            if connection.vendor == "sqlite":
                _swap_sqlite(database_file)
            else:
                kept = _swap_postgres(scratch_db, keep_old=replace)
            _install_trigger()
            _install_media(manifest, staged)
        connection.close()
        problems = check_restored(manifest)
        if problems:
            raise CommandError("The restore does not match the backup: " + "; ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(manifest['tables'])} tables ({sum(manifest['tables'].values())} rows), "
                f"{manifest['audit_events']} audit events (chain intact, append-only) and {len(manifest['media'])} "
                f"uploaded files from {archive}"
            )
        )
        if kept:
            self.stdout.write(f"The database it replaced is kept as {kept}: drop it when you no longer need it.")


def check_restored(manifest: dict[str, Any]) -> list[str]:
    """Differences between the restored database and files and the manifest (empty when all is well)."""
    problems = check_database(manifest)
    root = Path(settings.MEDIA_ROOT)
    for name, expected in manifest["media"].items():
        path = root / name
        if not path.is_file():
            problems.append(f"uploaded file missing: {name}")
        elif sha256_of(path) != expected["sha256"]:
            problems.append(f"uploaded file differs from the backup: {name}")
    return problems
