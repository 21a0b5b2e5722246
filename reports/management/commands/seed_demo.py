from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from casework import demo as casework_demo
from core.audit import acting_as
from organisations import demo as organisations_demo
from organisations.models import Membership, Organisation, User
from peerreview import demo as peerreview_demo
from standards import demo as standards_demo


class Command(BaseCommand):
    help = "Load the demo London (idempotent: does nothing if it is already there)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data.")
        parser.add_argument("--scale", type=int, default=1, help="Multiply the volumes (for benchmarks).")

    def handle(self, *args: Any, seed: int, scale: int, **options: Any) -> None:
        if Organisation.objects.filter(name=organisations_demo.HUB_NAME).exists():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            return
        rng = random.Random(seed)
        # Demo people are fictional: their notifications go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
            # The system administrator who "types in" the demo data, so that every history row and
            # audit event is attributed, as it would be in real use.
            admin = User.objects.create_superuser(
                email=f"system@{organisations_demo.DEMO_DOMAIN}", full_name="Demo set-up", password=None
            )
            with acting_as(admin):
                london = organisations_demo.seed(by=admin, rng=rng, scale=scale)
                scored, _ = standards_demo.seed(
                    steward=london.logins["steward"], owner=london.hub, consultees=london.logins
                )
                peerreview_demo.seed(
                    coordinator=london.logins["coordinator"],
                    logins=london.logins,
                    version=scored.current_published(),
                    rng=rng,
                    scale=scale,
                )
                frontline = [o for o in london.organisations if o.kind == Organisation.Kind.FRONTLINE_GROUP]
                casework_demo.seed(
                    caseworker=london.logins["caseworker"],
                    panel=london.logins["panel"],
                    organisations=frontline + [o for o in london.organisations if o.is_support_body][5:10],
                )
                hub_admin = london.logins["admin"]
                if not hub_admin.has_role(Membership.Role.ADMINISTRATOR):
                    raise RuntimeError("The demo administrator has no administrator role.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo London loaded: {len(london.organisations) + 1} organisations, "
                f"{User.objects.count()} people. Sign in as any of "
                + ", ".join(f"{k}@{organisations_demo.DEMO_DOMAIN}" for k in london.logins)
                + f" with the password {organisations_demo.DEMO_PASSWORD}"
                + ("" if settings.DEBUG else " (it works only with DJANGO_DEBUG=1).")
            )
        )
