"""The demo London, loaded once for this module (it is slow on purpose: everything goes through the
workflow), and what it must be: believable, complete, attributed, and cheap to show.

Query-count guards for the main pages (issue #9) live here too, because they are measured on the
demo: a count, not a timing, so it holds on any machine. Each page is asked on the demo London,
then again after years of past reviews and lifeboat cases have been added in bulk: the number of
queries must not change (no N+1), and must stay within the budget below. If a change legitimately
adds a query, raise the budget here and say why in the commit; `make bench` lists each page's SQL
in bench/results.json.

Each test's own writes (the bulk history included) are rolled back after it (tests/shared_scene.py).
"""

import io
import random
from collections import Counter

import openpyxl
import pypdf
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import Case, Milestone
from core import audit
from demo import casework_bulk, peerreview_bulk
from demo.organisations import DEMO_DOMAIN, DEMO_LOGINS, DEMO_PASSWORD
from organisations.models import Borough, Membership, Organisation, User
from peerreview.models import Review
from standards.models import FrameworkVersion, Indicator
from tests.shared_scene import _uploads_in_a_temporary_folder, module_db, module_media  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_london(module_db):
    call_command("seed_demo", seed=1)


def test_demo_london(demo_london, db, capsys, settings):

    # About a hundred organisations across all 33 areas, a login for every role.
    assert 90 <= Organisation.objects.count() <= 110
    assert list(Borough.objects.filter(organisations__isnull=True)) == []
    _london_is_believable()
    roles = set(
        Membership.objects.current().filter(person__email__endswith="@demo.example").values_list("role", flat=True)
    )
    assert roles == set(Membership.Role.values)

    # Frameworks in every version state; a consultation with answered and unanswered comments.
    assert set(FrameworkVersion.objects.values_list("state", flat=True)) == set(FrameworkVersion.State.values)
    consultation = FrameworkVersion.objects.get(state="consultation")
    assert consultation.comments.filter(answer="unanswered").exists()
    assert consultation.comments.exclude(answer="unanswered").exists()
    published = FrameworkVersion.objects.get(framework__slug="local-support", state="published")
    assert (published.themes.count(), published.standards.count()) == (6, 19)
    assert Indicator.objects.filter(standard__version=published).count() == 57

    # Reviews in every state of the cycle; the demo logins have work waiting.
    assert set(Review.objects.values_list("state", flat=True)) == set(Review.State.values)
    contact = User.objects.get(email="contact@demo.example")
    assert Review.objects.filter(organisation__memberships__person=contact, state="right_of_reply").exists()
    assert User.objects.get(email="reviewer@demo.example").assignments.exists()

    # Lifeboat cases in every state of the parent case.

    assert set(Case.objects.values_list("state", flat=True)) == set(Case.State.values)
    # … and closures in every closure state, with services, restricted funds and staff transferred.
    from casework.models import Closure, RegisterItem

    assert set(Closure.objects.values_list("state", flat=True)) == set(Closure.State.values)
    from casework.models import Grant, Interim, Turnaround

    assert set(Turnaround.objects.values_list("state", flat=True)) == set(Turnaround.State.values)
    assert set(Interim.objects.values_list("state", flat=True)) == set(Interim.State.values)
    assert {"clawed_back", "closed"} <= set(Grant.objects.values_list("state", flat=True))
    moved = RegisterItem.objects.filter(state="completed", destination__isnull=False)
    assert {"service", "restricted", "employee"} <= set(moved.values_list("kind", flat=True))

    # Everything attributed; the audit chain intact.
    assert audit.verify()[1] is None
    assert not Organisation.history.filter(history_user__isnull=True).exists()
    assert not Review.history.filter(history_user__isnull=True).exists()

    # Every demo login signs in and reaches its home page (the demo password works only in DEBUG,
    # and DJANGO_DEBUG=1 also turns the second factor off by default: config/settings.py).
    settings.DEBUG = True
    settings.TWO_FACTOR_REQUIRED = False
    for local, name, role in DEMO_LOGINS:
        client = Client()
        response = client.post(
            reverse("login"), {"username": f"{local}@demo.example", "password": DEMO_PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/", local
        html = response.content.decode()
        assert f"Signed in as <strong>{name}</strong>" in html and Membership.Role(role).label in html
    # The organisation taking part in its own turnaround case (README's sponsor login).
    client = Client()
    response = client.post(
        reverse("login"), {"username": "sponsor@demo.example", "password": DEMO_PASSWORD}, follow=True
    )
    assert "Your lifeboat case" in response.content.decode()
    assert Milestone.objects.filter(signed_off_by__email="sponsor@demo.example").exists()

    # Running it again changes nothing.
    counts = (Organisation.objects.count(), User.objects.count(), Review.objects.count())
    capsys.readouterr()
    call_command("seed_demo", seed=1)
    assert (Organisation.objects.count(), User.objects.count(), Review.objects.count()) == counts
    assert "already loaded" in capsys.readouterr().out


# Sub-regions of the London Plan, to check that no local body serves both ends of London.
SUBREGIONS = {
    "central": {
        "City of London",
        "Camden",
        "Islington",
        "Kensington and Chelsea",
        "Lambeth",
        "Southwark",
        "Westminster",
    },
    "east": {
        "Barking and Dagenham",
        "Bexley",
        "Greenwich",
        "Hackney",
        "Havering",
        "Lewisham",
        "Newham",
        "Redbridge",
        "Tower Hamlets",
        "Waltham Forest",
    },
    "north": {"Barnet", "Enfield", "Haringey"},
    "south": {"Bromley", "Croydon", "Kingston upon Thames", "Merton", "Richmond upon Thames", "Sutton", "Wandsworth"},
    "west": {"Brent", "Ealing", "Hammersmith and Fulham", "Harrow", "Hillingdon", "Hounslow"},
}
LOCAL_KINDS = {"cvs", "volunteer_centre", "cvs_volunteer_centre"}


def _london_is_believable():
    from casework.models import Case, Closure, RegisterItem
    from peerreview.models import ModeratedRating, ReviewerRating

    hub = Organisation.objects.get(name__endswith="(demo)")
    local = Organisation.objects.filter(kind__in=LOCAL_KINDS).prefetch_related("boroughs")
    # One or two local CVSs or volunteer centres per borough (the City served from next door).
    for borough in Borough.objects.exclude(name="City of London"):
        based = [o for o in local if o.boroughs.filter(pk=borough.pk).exists()]
        assert 1 <= len(based) <= 3, (borough.name, [o.name for o in based])
    city = Organisation.objects.filter(boroughs__name="City of London").exclude(pk=hub.pk).distinct().count()
    assert city <= 5
    # No local body serves boroughs in different sub-regions that are not neighbours: at most two.
    for organisation in local:
        regions = {r for r, names in SUBREGIONS.items() for b in organisation.boroughs.all() if b.name in names}
        assert len(regions) <= 2 and len(organisation.boroughs.all()) <= 2, organisation.name
    # No real CVS names, no English villages: names of streets, rivers and markets.
    names = list(Organisation.objects.values_list("name", flat=True))
    for borough in Borough.objects.values_list("name", flat=True):
        assert f"{borough} CVS" not in names and f"{borough} Council for Voluntary Service" not in names
    assert "Alderhithe Council for Voluntary Service" not in names

    # A handful of lifeboat cases per group, not several on one CVS; none on a reviewed body.
    per_org = Counter(Case.objects.values_list("organisation_id", flat=True))
    assert max(per_org.values()) == 1
    assert not Case.objects.filter(organisation__kind__in=Organisation.SUPPORT_BODY_KINDS).exists()
    dissolved = Organisation.objects.filter(status="dissolved")
    assert dissolved.exists()
    assert not Review.objects.filter(organisation__in=dissolved).exists()
    # Closures pass different services to different local recipients.
    moved = RegisterItem.objects.filter(kind="service", destination__isnull=False)
    assert len(set(moved.values_list("name", flat=True))) >= 4
    assert len(set(moved.values_list("destination", flat=True))) >= 4
    for item in moved.select_related("closure__case__organisation", "destination"):
        mine = set(item.closure.case.organisation.boroughs.values_list("pk", flat=True))
        assert mine & set(item.destination.boroughs.values_list("pk", flat=True)), item.name
    assert Closure.objects.exists()

    # Ratings across the whole scale, and reviewers who disagree.
    assert set(ModeratedRating.objects.values_list("rating", flat=True)) == {1, 2, 3, 4}
    assert set(Review.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "met",
        "met_with_conditions",
        "not_yet_met",
    }
    by_standard = {}
    for review_id, standard_id, rating in ReviewerRating.objects.values_list(
        "assignment__review", "standard", "rating"
    ):
        by_standard.setdefault((review_id, standard_id), set()).add(rating)
    assert sum(1 for values in by_standard.values() if len(values) > 1) >= 10

    # Evidence files are real: PDFs that parse, spreadsheets that open.
    from casework.models import CaseDocument
    from peerreview.models import Evidence

    files = [e.file for e in Evidence.objects.all()[:5]] + [d.file for d in CaseDocument.objects.all()[:10]]
    assert files
    for stored in files:
        with stored.open("rb") as handle:
            data = handle.read()
        if stored.name.endswith(".pdf"):
            assert data.startswith(b"%PDF-") and len(data) > 2000, stored.name
            assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
        else:
            assert openpyxl.load_workbook(io.BytesIO(data)).active.max_row > 4, stored.name

    # Enough published reviews for the intelligence: five or more in every sub-region.
    from reports import analytics

    latest = analytics.latest_reviews(analytics.Filters())
    for region, boroughs in SUBREGIONS.items():
        count = latest.filter(organisation__boroughs__name__in=boroughs).values("organisation").distinct().count()
        assert count >= 5, region
    table = analytics.ratings_by_standard(analytics.Filters())
    assert (table["organisations"] >= 5).all()


# --- query counts on the demo -------------------------------------------------------------------


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
    # + the approvals inbox: at most one query per kind of record (6) and one for its teams (6)
    "home_caseworker": ("caseworker", 8 + 12 + TWO_FACTOR),
    "home_panel": ("panel", 8 + 12 + TWO_FACTOR),
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
