"""Invitations: a person added through the app is emailed a single-use, expiring link to choose a
password; resending kills the old link, revoking kills every link; "forgot password" works for
someone who never set one."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from organisations import workflow
from organisations.models import User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

NEW_PASSWORD = "a-long-Enough-passphrase-42"


def _link(message) -> str:
    return re.search(r"https?://\S+(/accounts/invitation/\S+/)", message.body).group(1)


def _choose_password(client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)  # Django moves the token into the session and redirects
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


@pytest.fixture
def invited(administrator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = workflow.create_person(by=administrator, email="New.Person@Example.org", full_name="Nia New")
    return person


def test_create_person_sends_an_invitation_that_works_once(invited, client):
    assert [m.to for m in mail.outbox] == [["new.person@example.org"]]
    assert mail.outbox[0].subject.startswith("You are invited")
    assert "text/html" in [kind for _, kind in mail.outbox[0].alternatives]
    link = _link(mail.outbox[0])
    assert _choose_password(client, link).status_code == 302
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD) and invited.invited_at is None
    second = _choose_password(client, link, "another-long-Passphrase-43")
    assert second.status_code == 200 and "no longer works" in second.content.decode()
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert list(
        AuditEvent.objects.filter(object_type="organisations.user", object_id=str(invited.pk)).values_list(
            "action", flat=True
        )
    ) == [
        "create",
        "invite",
        "accept_invitation",
    ]


def test_invitation_link_expires(invited, client, settings):
    settings.INVITATION_TIMEOUT_DAYS = 14
    link = _link(mail.outbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = _choose_password(client, link)
    assert response.status_code == 200 and "no longer works" in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_resend_kills_the_old_link_and_revoke_kills_all(
    invited, administrator, client, django_capture_on_commit_callbacks
):
    first = _link(mail.outbox[0])
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(administrator)
        assert client.post(reverse("organisations:person-invite", args=[invited.pk])).status_code == 302
    second = _link(mail.outbox[-1])
    assert len(mail.outbox) == 2 and first != second
    client.post(reverse("organisations:person-invitation-revoke", args=[invited.pk]))
    client.logout()
    for link in (first, second):
        response = _choose_password(client, link)
        assert response.status_code == 200 and "no longer works" in response.content.decode()
    invited.refresh_from_db()
    assert invited.invited_at is None and not invited.has_usable_password()
    actions = list(
        AuditEvent.objects.filter(object_type="organisations.user", object_id=str(invited.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["create", "invite", "reinvite", "revoke_invitation"]


def test_invite_refused_for_someone_with_a_password(administrator, contact, client):
    client.force_login(administrator)
    response = client.post(reverse("organisations:person-invite", args=[contact.pk]), follow=True)
    assert "already has a password" in response.content.decode()
    assert mail.outbox == []


def test_outsider_cannot_invite(invited, contact, client):
    client.force_login(contact)
    assert client.post(reverse("organisations:person-invite", args=[invited.pk])).status_code == 404


def test_first_role_invites_someone_never_invited(administrator, django_capture_on_commit_callbacks):
    person = User.objects.create_user(email="quiet@example.org", full_name="Quinn Quiet")  # e.g. made in the admin
    assert not person.has_usable_password()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.grant_membership(person, OrganisationFactory(), "contact", by=administrator)
        workflow.grant_membership(person, OrganisationFactory(), "reviewer", by=administrator)
    assert [m.to for m in mail.outbox] == [["quiet@example.org"]]


def test_forgot_password_works_for_someone_who_never_set_one(invited, client):
    mail.outbox.clear()
    response = client.post(reverse("password_reset"), {"email": "new.person@example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new.person@example.org"]]
