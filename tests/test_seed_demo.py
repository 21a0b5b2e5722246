import pytest
from django.core.management import call_command
from django.urls import reverse

from core import audit
from organisations.demo import DEMO_LOGINS, DEMO_PASSWORD
from organisations.models import Borough, Membership, Organisation, User
from standards.models import FrameworkVersion, Indicator

pytestmark = pytest.mark.integration


@pytest.fixture
def demo(db):
    call_command("seed_demo", seed=1)


def test_demo_covers_all_33_areas_with_about_40_organisations(demo):
    assert 38 <= Organisation.objects.count() <= 45
    uncovered = Borough.objects.filter(organisations__isnull=True)
    assert list(uncovered) == []


def test_demo_has_a_login_for_every_role(demo):
    roles = set(
        Membership.objects.current().filter(person__email__endswith="@demo.example").values_list("role", flat=True)
    )
    assert roles == set(Membership.Role.values)


def test_demo_is_attributed_and_the_audit_chain_is_intact(demo):
    assert audit.verify()[1] is None
    assert not Organisation.history.filter(history_user__isnull=True).exists()


def test_demo_frameworks_show_every_version_state(demo):
    states = set(FrameworkVersion.objects.values_list("state", flat=True))
    assert states == set(FrameworkVersion.State.values)
    consultation = FrameworkVersion.objects.get(state="consultation")
    assert consultation.comments.filter(answer="unanswered").exists()
    assert consultation.comments.exclude(answer="unanswered").exists()
    published = FrameworkVersion.objects.get(framework__slug="local-support", state="published")
    assert (published.themes.count(), published.standards.count()) == (6, 19)
    assert Indicator.objects.filter(standard__version=published).count() == 57


def test_seed_demo_twice_changes_nothing(demo, capsys):
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", seed=1)
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    assert "already loaded" in capsys.readouterr().out


@pytest.mark.parametrize(("local", "name", "role"), DEMO_LOGINS)
def test_every_demo_login_reaches_its_home_page(demo, client, local, name, role):
    response = client.post(
        reverse("login"), {"username": f"{local}@demo.example", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert f"Signed in as <strong>{name}</strong>" in response.content.decode()
    assert Membership.Role(role).label in response.content.decode()
