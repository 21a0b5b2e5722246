"""The shared cache's table when no Redis is configured (settings.CACHES, DatabaseCache).

`migrate` is the one step every deployment and `make run` already take, so the table is made
there rather than by a separate `createcachetable` someone could forget. It does nothing when
CACHES points at Redis, and nothing if the table exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_append_only")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
