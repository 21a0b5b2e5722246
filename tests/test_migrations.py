"""What the SQLite pass's shortcut could hide.

`make test-sqlite` builds its test database from the models (--nomigrations) and adds what the
migrations add besides tables from their own code (tests/conftest.py). What stays proved elsewhere:
`makemigrations --check` (make check) fails when the models and migrations differ, and the
PostgreSQL pass builds its database by migrating. What only SQLite can lose is checked here, by
reading the migrations: SQLite remakes a table to alter it, which drops its triggers, so a
migration that alters the audit table must install the append-only triggers again.
"""

from __future__ import annotations

import inspect

import pytest
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

from tests.conftest import APPEND_ONLY_MIGRATION

pytestmark = pytest.mark.unit

# Operations that make SQLite remake the table they touch.
REMAKES = (
    operations.AddField,
    operations.AlterField,
    operations.RemoveField,
    operations.RenameField,
    operations.AddConstraint,
    operations.RemoveConstraint,
    operations.AlterUniqueTogether,
)


def _alters_audit_table(migration) -> bool:
    return migration.app_label == "core" and any(
        isinstance(op, REMAKES) and getattr(op, "model_name", "") == "auditevent" for op in migration.operations
    )


def audit_alterations_without_triggers(migrations) -> list[str]:
    """Migrations that alter core_auditevent without installing the append-only triggers again."""
    trigger_module = APPEND_ONLY_MIGRATION.rsplit(".", 1)[1]
    return [
        f"{m.app_label}.{m.name}"
        for m in migrations
        if m.name != trigger_module and _alters_audit_table(m) and trigger_module not in inspect.getsource(type(m))
    ]


def _after_the_triggers() -> list:
    """The migrations on disk that run after the one installing the triggers."""
    with override_settings(MIGRATION_MODULES={}):  # the migrations on disk, whatever the run disabled
        loader = MigrationLoader(None, ignore_no_migrations=True)
    app, name = APPEND_ONLY_MIGRATION.split(".")[0], APPEND_ONLY_MIGRATION.rsplit(".", 1)[1]
    later = loader.graph.backwards_plan((app, name))  # everything that depends on it
    return [loader.disk_migrations[key] for key in later if key != (app, name)]


def test_a_migration_altering_the_audit_table_installs_its_triggers_again():
    later = _after_the_triggers()
    assert later  # the core and app migrations after it
    assert audit_alterations_without_triggers(later) == []


def test_the_check_finds_such_a_migration():
    from django.db import migrations, models

    class Migration(migrations.Migration):
        operations = [migrations.AlterField("auditevent", "reason", models.TextField(blank=True))]

    planted = Migration("0099_alter_reason", "core")
    assert audit_alterations_without_triggers([planted]) == ["core.0099_alter_reason"]
