from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from core.emails import deliver_outbox


class Command(BaseCommand):
    help = (
        "The background worker: delivers the email outbox (retrying failures with backoff) every few "
        "seconds, and runs the reminders every WORKER_REMINDER_SECONDS. --once does one round (for a timer)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--sleep", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--no-reminders", action="store_true", help="deliver mail only")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_reminders = 0.0
        while True:
            if not options["once"]:
                close_old_connections()  # a long-running process must not keep a dead connection
            if not options["no_reminders"] and time.monotonic() - last_reminders >= settings.WORKER_REMINDER_SECONDS:
                # Reminders are queued first so that this same round delivers them.
                call_command("send_reminders", stdout=self.stdout)
                last_reminders = time.monotonic()
            deliver_outbox()
            if options["once"] or stopping:
                return
            time.sleep(options["sleep"])
            if stopping:
                return
