from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from organisations.models import User
from reports.subject_access import export_person


class Command(BaseCommand):
    help = "Subject-access export: every row that names a person, as JSON in a zip (for an administrator)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--output", help="the zip to write (default: subject-access-<id>.zip)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            person = User.objects.get(email__iexact=options["email"])
        except User.DoesNotExist as error:
            raise CommandError(f"Nobody has the email address {options['email']}.") from error
        output = Path(options["output"] or f"subject-access-{person.pk}.zip")
        output.write_bytes(export_person(person))
        output.chmod(0o600)  # it holds personal data
        self.stdout.write(f"Wrote {output}")
