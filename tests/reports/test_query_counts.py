"""Query-count guards for the main pages (issue #9): a count, not a timing, so it holds on any machine.

Each page is asked on the demo London, then again after years of past reviews and lifeboat cases
have been added in bulk: the number of queries must not change (no N+1), and must stay within the
budget below. If a change legitimately adds a query, raise the budget here and say why in the
commit; `make bench` lists each page's SQL in bench/results.json.
"""

import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Case
from demo import casework_bulk, peerreview_bulk
from demo.organisations import DEMO_DOMAIN
from organisations.models import User
from peerreview.models import Review
from standards.models import FrameworkVersion
from tests.shared_scene import module_db, module_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

# Every signed-in request asks once for the session's verified two-factor device (django-otp's
# OTPMiddleware): one query per page, whatever the data.
TWO_FACTOR = 1

# page: (login, budget). Budgets are each page's own queries on PostgreSQL (with a little room on
# most) plus the two-factor device.
BUDGETS = {
    "home_coordinator": ("coordinator", 8 + TWO_FACTOR),
    "home_lead": ("lead", 8 + TWO_FACTOR),
    "home_reviewer": ("reviewer", 8 + TWO_FACTOR),
    "home_contact": ("contact", 8 + TWO_FACTOR),
    "home_caseworker": ("caseworker", 8 + TWO_FACTOR),
    "home_panel": ("panel", 10 + TWO_FACTOR),  # + closures waiting for the panel
    "home_funder": ("funder", 8 + TWO_FACTOR),
    "review_list": ("coordinator", 7 + TWO_FACTOR),
    "review_detail": ("coordinator", 30 + TWO_FACTOR),
    "moderation": ("coordinator", 38 + TWO_FACTOR),
    "case_list": ("caseworker", 8 + TWO_FACTOR),
    "case_detail": ("caseworker", 16 + TWO_FACTOR),  # + tasks, documents, funders told, the pathway record
    "closure_registers": ("caseworker", 10 + TWO_FACTOR),
    "intelligence": ("coordinator", 32 + TWO_FACTOR),  # + lifeboat pipeline, outcomes, redeployed, standard trends
    "intelligence_funder": ("funder", 30 + TWO_FACTOR),
}


def _urls() -> dict[str, str]:
    # The walked demo's objects are the newest rows; bulk history is dated in the past.
    review = Review.objects.filter(state="closed").order_by("-created_at").first()
    moderated = Review.objects.filter(state="quality_assurance").order_by("-created_at").first()
    case = Case.objects.filter(state="closing_review").order_by("-created_at").first()
    closing = Case.objects.filter(closure__state="winding_down").order_by("-created_at").first()
    home = reverse("home")
    return {
        **{key: home for key in BUDGETS if key.startswith("home_")},
        "review_list": reverse("peerreview:review-list"),
        "review_detail": reverse("peerreview:review-detail", args=[review.pk]),
        "moderation": reverse("peerreview:review-moderation", args=[moderated.pk]),
        "case_list": reverse("casework:case-list"),
        "case_detail": reverse("casework:case-detail", args=[case.pk]),
        "closure_registers": reverse("casework:closure", args=[closing.pk]),
        "intelligence": reverse("reports:intelligence"),
        "intelligence_funder": reverse("reports:intelligence"),
    }


def _counts(clients: dict[str, Client], urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for key, (login, _budget) in BUDGETS.items():
        clients[login].get(urls[key])  # first request: sessions, caches, seen receipts
        with CaptureQueriesContext(connection) as captured:
            response = clients[login].get(urls[key])
        assert response.status_code == 200, key
        counts[key] = len(captured)
    return counts


@pytest.fixture(scope="module")
def demo_london(module_db):
    """The demo, seeded once for the module (it takes most of a minute); each test's own writes,
    the bulk history included, are rolled back after it (tests/shared_scene.py)."""
    call_command("seed_demo", seed=1)


def test_main_pages_ask_the_same_number_of_queries_with_ten_times_the_data(
    demo_london, db, django_assert_max_num_queries
):
    clients = {}
    for login in {login for login, _ in BUDGETS.values()}:
        clients[login] = Client()
        clients[login].force_login(
            User.objects.get(email=f"{login}@{DEMO_DOMAIN}"), backend="organisations.backends.EmailBackend"
        )
    urls = _urls()
    before = _counts(clients, urls)
    for key, (login, budget) in BUDGETS.items():
        with django_assert_max_num_queries(budget):
            clients[login].get(urls[key])

    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    version = FrameworkVersion.objects.get(framework__slug="local-support", state="published")
    rng = random.Random(2)
    assert peerreview_bulk.seed_history(coordinator=coordinator, version=version, rng=rng, reviews=180) == 180
    assert (
        casework_bulk.seed_history(
            caseworker=User.objects.get(email=f"caseworker@{DEMO_DOMAIN}"),
            panel=User.objects.get(email=f"panel@{DEMO_DOMAIN}"),
            rng=rng,
            cases=90,
        )
        == 90
    )
    assert _urls() == urls  # the same objects
    after = _counts(clients, urls)
    assert after == before


def test_bulk_history_keeps_the_audit_chain_and_attributes_every_row(demo_london, db):
    from core import audit

    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    version = FrameworkVersion.objects.get(framework__slug="local-support", state="published")
    reviews_before = Review.objects.count()
    peerreview_bulk.seed_history(coordinator=coordinator, version=version, rng=random.Random(3), reviews=40)
    casework_bulk.seed_history(
        caseworker=User.objects.get(email=f"caseworker@{DEMO_DOMAIN}"),
        panel=User.objects.get(email=f"panel@{DEMO_DOMAIN}"),
        rng=random.Random(3),
        cases=20,
    )
    assert Review.objects.count() == reviews_before + 40
    assert audit.verify()[1] is None
    assert not Review.history.filter(history_user__isnull=True).exists()
    assert not Case.history.filter(history_user__isnull=True).exists()
    # Every bulk review's history replays its walk: created first, then one row per move.
    closed = Review.objects.filter(state="closed").order_by("created_at").first()
    reasons = list(
        closed.history.order_by("history_date", "history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons[0] == "create" and reasons[-1] == "close"
    assert list(closed.history.order_by("-history_date").values_list("state", flat=True))[0] == "closed"
