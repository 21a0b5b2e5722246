"""The release steps, in order, stopping at the first failure: `manage.py release`.

1. backup (skipped on a database with no tables yet, or with --no-backup),
2. migrate, 3. collectstatic, 4. check --deploy (warnings fail the release).
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Back up, migrate, collect static files and run the deployment checks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-backup", action="store_true", help="skip the backup (a first install)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["no_backup"] or not connection.introspection.table_names():
            self.stdout.write("1/4 backup: skipped")
        else:
            self.stdout.write("1/4 backup")
            call_command("backup", stdout=self.stdout)
        self.stdout.write("2/4 migrate")
        call_command("migrate", interactive=False, stdout=self.stdout)
        self.stdout.write("3/4 collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("4/4 check --deploy")
        call_command("check", deploy=True, fail_level="WARNING")
        self.stdout.write(self.style.SUCCESS("Release steps done."))
