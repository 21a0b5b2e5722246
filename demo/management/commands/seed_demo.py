from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from core.audit import acting_as
from demo import casework as casework_demo
from demo import casework_bulk, peerreview_bulk
from demo import organisations as organisations_demo
from demo import peerreview as peerreview_demo
from demo import standards as standards_demo
from organisations.models import Membership, Organisation, User
from peerreview.models import Review

# Above scale 1, the walked demo (one review and one case in every state, through the workflow)
# is topped up with years of past reviews and cases written in bulk, to these totals per scale.
REVIEWS_PER_SCALE = 200
CASES_PER_SCALE = 100
# At every scale: this many past reviews of each support body, loaded in bulk.
PAST_REVIEWS_PER_SUPPORT_BODY = 2


class Command(BaseCommand):
    help = (
        "Load the demo London (idempotent: does nothing if it is already there). --scale N above 1 adds "
        f"{REVIEWS_PER_SCALE}×N reviews and {CASES_PER_SCALE}×N lifeboat cases of bulk-loaded history."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data.")
        parser.add_argument("--scale", type=int, default=1, help="Multiply the volumes (for benchmarks).")
        parser.add_argument(
            "--lean",
            action="store_true",
            help="With --scale: leave out per-indicator self-ratings and each reviewer's own ratings in the "
            "bulk history (for the analytics benchmark at large scales).",
        )

    def handle(self, *args: Any, seed: int, scale: int, lean: bool = False, **options: Any) -> None:
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
                )
                # Lifeboat cases are for frontline groups, one case each, never a reviewed support
                # body; services, staff and funds pass to support bodies and groups nearby.
                # A hub with history: each support body's past reviews (closed and published, the
                # newest of some still in progress), so that the intelligence has groups of five or
                # more to show, London-wide and by sub-region. Written in bulk: walking them through
                # the workflow would take minutes.
                peerreview_bulk.seed_history(
                    coordinator=london.logins["coordinator"],
                    version=scored.current_published(),
                    rng=rng,
                    reviews=PAST_REVIEWS_PER_SUPPORT_BODY * sum(1 for o in london.organisations if o.is_support_body),
                )
                frontline = [o for o in london.organisations if o.kind == Organisation.Kind.FRONTLINE_GROUP]
                # The participant login's group stays out of the lifeboat (it comments on standards).
                frontline = [
                    o for o in frontline if o != london.logins["participant"].current_memberships[0].organisation
                ]
                cases = casework_demo.seed(
                    caseworker=london.logins["caseworker"],
                    panel=london.logins["panel"],
                    organisations=frontline,
                    partners=[o for o in london.organisations if o not in frontline],
                )
                if scale > 1:
                    peerreview_bulk.seed_history(
                        coordinator=london.logins["coordinator"],
                        version=scored.current_published(),
                        rng=rng,
                        reviews=REVIEWS_PER_SCALE * scale - Review.objects.count(),
                        lean=lean,
                    )
                    casework_bulk.seed_history(
                        caseworker=london.logins["caseworker"],
                        panel=london.logins["panel"],
                        rng=rng,
                        cases=CASES_PER_SCALE * scale - len(cases),
                    )
                hub_admin = london.logins["admin"]
                if not hub_admin.has_role(Membership.Role.ADMINISTRATOR):
                    raise RuntimeError("The demo administrator has no administrator role.")
        if connection.vendor == "postgresql":
            # Planner statistics for the rows just bulk-loaded; autovacuum would get there later,
            # and until it does the planner guesses from an empty database (bad plans in benchmarks).
            # VACUUM too where it may run (not inside a transaction, as in a test): it sets the rows'
            # visibility once, instead of the first readers and a later autovacuum doing it.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo London loaded: {len(london.organisations) + 1} organisations, "
                f"{User.objects.count()} people. Sign in as any of "
                + ", ".join(f"{k}@{organisations_demo.DEMO_DOMAIN}" for k in london.logins)
                + f" with the password {organisations_demo.DEMO_PASSWORD}"
                + ("" if settings.DEBUG else " (it works only with DJANGO_DEBUG=1).")
            )
        )
