"""`manage.py verify_audit [--expect-head COUNT:HASH] [--allow-empty]`: walk the audit hash chain.

The walk finds an edited event and a gap in the middle. It cannot see events removed from the end,
or a chain rebuilt from some point with valid hashes, by itself: give it a head recorded earlier
(printed by `backup` and by this command) and it checks that the chain still passes through it.
An empty chain is an error unless --allow-empty: an emptied table must not read as "intact".
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = "Walk the audit hash chain, name the first broken link, and check it against a recorded head."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="COUNT:HASH",
            help="A head recorded earlier (by backup or this command): the chain must still pass through it.",
        )
        parser.add_argument("--allow-empty", action="store_true", help="A new database with no events yet is fine.")

    def handle(self, *args: Any, expect_head: str | None = None, allow_empty: bool = False, **options: Any) -> None:
        if expect_head:
            try:
                audit.parse_head(expect_head)
            except ValueError as error:
                raise CommandError(str(error)) from None
        checked, broken = audit.verify()
        if broken is not None:
            raise CommandError(f"Audit chain broken at {broken} ({checked} events before it are intact).")
        if expect_head:
            problems = audit.check_anchor(expect_head)
            if problems:
                raise CommandError("Audit chain does not match the recorded head: " + "; ".join(problems) + ".")
        head = audit.head()
        if checked == 0 and not allow_empty:
            raise CommandError(
                "The audit chain is empty. If this database has been used, its events were removed; "
                "check it against a recorded head (--expect-head), or pass --allow-empty for a new database."
            )
        anchored = ""
        if expect_head:
            since = checked - audit.parse_head(expect_head)[0]
            anchored = f" It passes through the recorded head; {since} events were added since."
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events.{anchored} Head {head}"))
