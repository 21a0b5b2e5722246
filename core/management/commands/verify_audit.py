from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import audit


class Command(BaseCommand):
    help = "Walk the audit hash chain from the first event and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit.verify()
        if broken is not None:
            raise CommandError(f"Audit chain broken at {broken} ({checked} events before it are intact).")
        head = audit.AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or audit.GENESIS_HASH
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events. Head hash {head}."))
