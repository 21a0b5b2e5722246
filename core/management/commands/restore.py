"""Restore an archive written by `manage.py backup`: `manage.py restore FILE [--replace]`.

Into an empty database by default (run it before `migrate`); `--replace` overwrites a database
that has tables, and uploaded files that differ. Afterwards it checks the result against the
manifest: the row count of every table, the audit chain (intact, same length, same head hash)
and every uploaded file's SHA-256. Any difference is an error.
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

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


def read_archive(path: Path, scratch: Path) -> tuple[dict[str, Any], Path, list[tuple[tarfile.TarInfo, str]]]:
    """Check the archive's shape and unpack its database file; return (manifest, database file, media members)."""
    if not path.is_file():
        raise CommandError(f"No backup at {path}")
    with tarfile.open(path, mode="r:gz") as archive:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
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
        with archive.extractfile(database_name) as src, database_file.open("wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    missing = set(manifest["media"]) - {name for _, name in members}
    if missing:
        raise CommandError(f"The archive lacks uploaded files its manifest lists: {sorted(missing)[:5]}")
    return manifest, database_file, members


def _restore_sqlite(database_file: Path) -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    source, target = sqlite3.connect(database_file), sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore_postgres(database_file: Path, *, replace: bool) -> None:
    connection.close()
    flags, env = pg_environment()
    clean = ["--clean", "--if-exists"] if replace else []
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *clean,
            *flags,
            str(database_file),
        ],
        env,
    )


def _restore_media(archive_path: Path, members: list[tuple[tarfile.TarInfo, str]], *, replace: bool) -> None:
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(archive_path, mode="r:gz") as archive:
        for member, name in members:
            target = root / name
            if target.exists() and not replace:
                continue  # checked against the manifest below: identical files are fine
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as src, target.open("wb") as dst:
                while block := src.read(1 << 20):
                    dst.write(block)


def check_restored(manifest: dict[str, Any]) -> list[str]:
    """Differences between the restored database and files and the manifest (empty when all is well)."""
    problems = []
    with connection.cursor() as cursor:
        counts = table_counts(cursor, connection.vendor)
        head = audit_head(cursor)
    if counts != manifest["tables"]:
        diff = {
            t: (manifest["tables"].get(t), counts.get(t))
            for t in set(counts) | set(manifest["tables"])
            if counts.get(t) != manifest["tables"].get(t)
        }
        problems.append(f"row counts differ (table: (backup, restored)): {dict(sorted(diff.items())[:10])}")
    checked, broken = audit.verify()
    if broken is not None:
        problems.append(f"the audit chain is broken at {broken}")
    elif checked != manifest["audit_events"] or head != manifest["audit_head"]:
        problems.append(f"the audit chain has {checked} events ending {head[:12]}, the backup had a different chain")
    root = Path(settings.MEDIA_ROOT)
    for name, expected in manifest["media"].items():
        path = root / name
        if not path.is_file():
            problems.append(f"uploaded file missing: {name}")
        elif sha256_of(path) != expected["sha256"]:
            problems.append(f"uploaded file differs from the backup: {name} (use --replace to overwrite)")
    return problems


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database (or --replace), then check it against its manifest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true", help="Overwrite a database that already has tables.")

    def handle(self, *args: Any, archive: Path, replace: bool, **options: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
            manifest, database_file, members = read_archive(archive, Path(scratch))
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
            if connection.vendor == "sqlite":
                _restore_sqlite(database_file)
            else:
                _restore_postgres(database_file, replace=replace)
            _restore_media(archive, members, replace=replace)
        connection.close()
        problems = check_restored(manifest)
        if problems:
            raise CommandError("The restore does not match the backup: " + "; ".join(problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(manifest['tables'])} tables ({sum(manifest['tables'].values())} rows), "
                f"{manifest['audit_events']} audit events (chain intact) and {len(manifest['media'])} uploaded files "
                f"from {archive}"
            )
        )
