"""The migrations build the database the suite tests.

`make test-sqlite` builds its test database from the models (--nomigrations) and adds what the
migrations add besides tables from their own code (tests/conftest.py). This test runs the real
migrations into a new SQLite file and compares: every table and column, the append-only triggers,
the cache table, the reference data and the record of migrations applied. The PostgreSQL pass builds its database by migrating, so
there the suite itself is the proof.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]

# Run in the migrated database's own process; the same function describes the test database.
DESCRIBE = """
import json
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from tests.test_migrations import describe
print(json.dumps(describe(connection)))
"""


def describe(conn) -> dict:
    from casework.models import LegalRule
    from organisations.models import Borough

    with conn.cursor() as cursor:
        tables = {
            table: sorted(column.name for column in conn.introspection.get_table_description(cursor, table))
            for table in sorted(conn.introspection.table_names(cursor))
        }
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        triggers = [row[0] for row in cursor.fetchall()]
    return {
        "tables": tables,
        "triggers": triggers,
        "boroughs": sorted(Borough.objects.using(conn.alias).values_list("name", flat=True)),
        "migrations": sorted(f"{app} {name}" for app, name in MigrationRecorder(conn).applied_migrations()),
        "legal rules": sorted(f"{rule.key} from {rule.commences_on}" for rule in LegalRule.objects.using(conn.alias)),
    }


def test_the_migrations_build_the_database_the_suite_tests(request, tmp_path, db):
    if connection.vendor != "sqlite" or not request.config.getoption("nomigrations"):
        pytest.skip("this test database was itself built by running the migrations")
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    env = dict(os.environ) | {"DATABASE_URL": url}
    run = [sys.executable, "manage.py"]
    migrated = subprocess.run([*run, "migrate", "--verbosity=0"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    described = subprocess.run([*run, "shell", "-c", DESCRIBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert described.returncode == 0, described.stderr

    by_migrations = json.loads(described.stdout.strip().splitlines()[-1])
    by_models = describe(connection)
    assert by_migrations["triggers"] == ["core_auditevent_no_delete", "core_auditevent_no_update"]
    assert by_migrations["boroughs"] and by_migrations["legal rules"]
    for key in by_migrations:
        assert by_migrations[key] == by_models[key], key
