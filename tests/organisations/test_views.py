import pytest
from django.core import mail
from django.urls import reverse

from core.models import AuditEvent
from organisations.models import ConflictDeclaration, Membership, Organisation
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.integration


def test_administrator_adds_an_organisation(administrator, client_for):
    response = client_for(administrator).post(
        reverse("organisations:organisation-create"),
        {
            "name": "Fresh CVS",
            "kind": "cvs",
            "legal_form": "charitable_company",
            "charity_number": "1234567",
            "company_number": "01234567",
            "boroughs": ["1", "2"],
            "website": "",
            "status": "active",
        },
    )
    org = Organisation.objects.get(name="Fresh CVS")
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert org.org_id == "GB-CHC-1234567"
    assert org.boroughs.count() == 2


def test_bad_input_shows_an_error_summary_and_changes_nothing(administrator, client_for):
    response = client_for(administrator).post(
        reverse("organisations:organisation-create"),
        {
            "name": "Broken CVS",
            "kind": "cvs",
            "legal_form": "charitable_company",
            "charity_number": "12AB",
            "company_number": "",
            "status": "active",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert 'href="#id_charity_number"' in html and 'href="#id_company_number"' in html
    assert "<title>Error: " in html
    assert Organisation.objects.filter(name="Broken CVS").count() == 0
    assert AuditEvent.objects.count() == 0


def test_contact_edits_their_organisation_but_not_its_status(contact, reviewed_org, client_for):
    client = client_for(contact)
    form = client.get(reverse("organisations:organisation-edit", args=[reviewed_org.pk]))
    assert "status" not in form.context["form"].fields
    response = client.post(
        reverse("organisations:organisation-edit", args=[reviewed_org.pk]),
        {
            "name": reviewed_org.name,
            "kind": "cvs",
            "legal_form": "cio",
            "charity_number": reviewed_org.charity_number,
            "company_number": "",
            "website": "https://example.org/",
            "status": "dissolved",
        },
    )
    assert response.status_code == 302
    reviewed_org.refresh_from_db()
    assert (reviewed_org.website, reviewed_org.status) == ("https://example.org/", "active")
    assert AuditEvent.objects.get(action="update").role == "contact"


def test_contact_cannot_edit_another_organisation(contact, reviewer_org, client_for):
    response = client_for(contact).post(
        reverse("organisations:organisation-edit", args=[reviewer_org.pk]), {"name": "Hijacked"}
    )
    assert response.status_code == 403
    reviewer_org.refresh_from_db()
    assert reviewer_org.name == "Reviewer CVS"


def test_administrator_gives_and_ends_a_role(administrator, outsider, reviewed_org, client_for):
    client = client_for(administrator)
    response = client.post(
        reverse("organisations:membership-add", args=[outsider.pk]),
        {
            "organisation": reviewed_org.pk,
            "role": "reviewer",
            "job_title": "",
            "starts_on": "2026-01-01",
            "ends_on": "",
        },
    )
    assert response.status_code == 302
    membership = outsider.memberships.get()
    response = client.post(
        reverse("organisations:membership-end", args=[membership.pk]), {"ends_on": "", "reason": "Moved on"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ends_on is not None
    assert not Membership.objects.current().filter(person=outsider).exists()


def test_membership_dates_must_make_sense(administrator, outsider, reviewed_org, client_for):
    response = client_for(administrator).post(
        reverse("organisations:membership-add", args=[outsider.pk]),
        {"organisation": reviewed_org.pk, "role": "reviewer", "starts_on": "2026-05-01", "ends_on": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    assert not outsider.memberships.exists()


def test_reviewer_declares_a_conflict_for_themselves_only(reviewer, reviewed_org, outsider, client_for):
    client = client_for(reviewer)
    response = client.post(
        reverse("organisations:conflict-declare"),
        {
            "person": outsider.pk,
            "organisation": reviewed_org.pk,
            "kind": "trusteeship",
            "reason": "Trustee",
            "starts_on": "2025-01-01",
            "ends_on": "",
        },
    )
    assert response.status_code == 302
    declaration = ConflictDeclaration.objects.get()
    assert (declaration.person, declaration.declared_by) == (reviewer, reviewer)


def test_conflict_list_shows_only_my_own_to_reviewers(reviewer, contact, reviewed_org, client_for):
    from tests.factories import ConflictDeclarationFactory

    mine = ConflictDeclarationFactory(person=reviewer, organisation=reviewed_org)
    ConflictDeclarationFactory(person=contact, organisation=reviewed_org)
    response = client_for(reviewer).get(reverse("organisations:conflict-list"))
    assert list(response.context["conflicts"]) == [mine]


def test_person_list_is_filtered_by_role(coordinator, reviewer, contact, client_for):
    response = client_for(coordinator).get(reverse("organisations:person-list"), {"role": "reviewer"})
    assert list(response.context["page"].object_list) == [reviewer]


def test_home_shows_each_role_its_section(coordinator, client_for):
    response = client_for(coordinator).get(reverse("home"))
    html = response.content.decode()
    assert "Reviews you coordinate" in html and "Your lifeboat cases" not in html
    assert "Signed in as <strong>Cora Coordinator</strong>" in html and "Coordinator</strong>" in html


def test_home_explains_the_empty_state_to_someone_without_roles(outsider, client_for):
    assert "You do not hold a role" in client_for(outsider).get(reverse("home")).content.decode()


def test_sign_in_locks_out_after_repeated_failures(db, client):
    person = UserFactory(email="target@example.org")
    for _ in range(5):
        client.post(reverse("login"), {"username": person.email, "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_wrong_password_gets_a_plain_message(db, client):
    UserFactory(email="someone@example.org")
    response = client.post(reverse("login"), {"username": "someone@example.org", "password": "nope"})
    assert "Enter a correct email address and password" in response.content.decode()


def test_password_reset_sends_an_email_with_a_working_link(db, client):
    person = UserFactory(email="forgetful@example.org")
    client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "A-much-better-pass-2026", "new_password2": "A-much-better-pass-2026"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("A-much-better-pass-2026")


def test_session_and_password_settings(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
