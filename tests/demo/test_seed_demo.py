"""The demo data, loaded once (it is slow on purpose: everything goes through the workflow)."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core import audit
from demo.organisations import DEMO_LOGINS, DEMO_PASSWORD
from organisations.models import Borough, Membership, Organisation, User
from peerreview.models import Review
from standards.models import FrameworkVersion, Indicator

pytestmark = pytest.mark.integration


def test_demo_london(db, capsys, settings):
    call_command("seed_demo", seed=1)

    # About 40 organisations across all 33 areas, a login for every role.
    assert 38 <= Organisation.objects.count() <= 45
    assert list(Borough.objects.filter(organisations__isnull=True)) == []
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
    from casework.models import Case

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

    # Every demo login signs in and reaches its home page (the demo password works only in DEBUG).
    settings.DEBUG = True
    for local, name, role in DEMO_LOGINS:
        client = Client()
        response = client.post(
            reverse("login"), {"username": f"{local}@demo.example", "password": DEMO_PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/", local
        html = response.content.decode()
        assert f"Signed in as <strong>{name}</strong>" in html and Membership.Role(role).label in html

    # Running it again changes nothing.
    counts = (Organisation.objects.count(), User.objects.count(), Review.objects.count())
    capsys.readouterr()
    call_command("seed_demo", seed=1)
    assert (Organisation.objects.count(), User.objects.count(), Review.objects.count()) == counts
    assert "already loaded" in capsys.readouterr().out
