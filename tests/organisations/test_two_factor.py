"""Two-factor sign-in: who needs it, enrolment, the step after the password, recovery codes."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent
from organisations import two_factor
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.integration


def _password_only(person) -> Client:
    """A client signed in with the password alone, through the real sign-in page."""
    client = Client()
    response = client.post(reverse("login"), {"username": person.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _key_on(page: str) -> tuple[str, str]:
    """The signed key the setup page offers, and the key itself."""
    signed = re.search(r'name="key" value="([^"]+)"', page).group(1)
    return signed, signing.loads(signed, salt=two_factor.KEY_SALT)


def _code(key: str) -> str:
    return f"{TOTP(bytes.fromhex(key)).token():06d}"


@pytest.mark.parametrize("role", ["coordinator", "caseworker", "panel_member", "administrator"])
def test_roles_reaching_cases_are_sent_to_set_up_two_factor(request, role):
    person = request.getfixturevalue(role)
    client = _password_only(person)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two-factor-setup") + "?next=%2F"
    assert client.get("/api/v1/boroughs/").json()["code"] == "two_factor_required"


@pytest.mark.parametrize("role", ["contact", "reviewer", "funder", "steward"])
def test_other_roles_sign_straight_in(request, role):
    client = _password_only(request.getfixturevalue(role))
    assert client.get(reverse("home")).status_code == 200


def test_the_requirement_can_be_turned_off(settings, coordinator):
    settings.TWO_FACTOR_REQUIRED = False
    assert _password_only(coordinator).get(reverse("home")).status_code == 200


def test_enrolment_writes_nothing_until_the_code_matches(coordinator):
    client = _password_only(coordinator)
    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200
    assert TOTPDevice.objects.filter(user=coordinator).count() == 0
    signed, key = _key_on(page.content.decode())
    assert two_factor.secret_of(key).replace(" ", "") in page.content.decode().replace(" ", "")

    not_the_code = "000000" if _code(key) != "000000" else "111111"
    wrong = client.post(reverse("two-factor-setup"), {"key": signed, "code": not_the_code})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=coordinator).count() == 0

    done = client.post(reverse("two-factor-setup") + "?next=/cases/", {"key": signed, "code": _code(key)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == two_factor.RECOVERY_CODES
    assert "no-store" in done["Cache-Control"]
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).count() == 1
    assert sorted(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == sorted(codes)
    event = AuditEvent.objects.get(action="enrol_two_factor")
    assert (event.object_id, event.actor_id) == (str(coordinator.pk), coordinator.pk)
    assert client.get(reverse("home")).status_code == 200  # this session is verified


def _enrol(person) -> tuple[str, list[str]]:
    client = _password_only(person)
    signed, key = _key_on(client.get(reverse("two-factor-setup")).content.decode())
    done = client.post(reverse("two-factor-setup"), {"key": signed, "code": _code(key)})
    return key, re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())


def test_the_step_after_the_password_takes_an_app_code(caseworker):
    key, _ = _enrol(caseworker)
    client = _password_only(caseworker)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("two-factor") + "?next=%2F"
    # With the password alone, enrolment cannot be redone (it would replace the second factor).
    assert client.get(reverse("two-factor-setup"))["Location"] == reverse("two-factor")
    refused = client.post(reverse("two-factor"), {"code": "12345"})
    assert refused.status_code == 400
    assert client.get(reverse("home")).status_code == 302
    time.sleep(1.1)  # django-otp refuses every code for 1 s after a wrong one (its throttling)
    passed = client.post(reverse("two-factor") + "?next=/cases/", {"code": _code(key)})
    assert (passed.status_code, passed.get("Location")) == (302, "/cases/")
    assert client.get(reverse("home")).status_code == 200


def test_a_recovery_code_works_once(panel_member):
    _, codes = _enrol(panel_member)
    first = _password_only(panel_member)
    assert first.post(reverse("two-factor"), {"code": codes[0]}).status_code == 302
    assert first.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.get(action="use_recovery_code").payload == {"codes_left": 9}
    second = _password_only(panel_member)
    assert second.post(reverse("two-factor"), {"code": codes[0]}).status_code == 400
    assert second.get(reverse("home")).status_code == 302


def test_next_never_leaves_the_site(administrator):
    key, _ = _enrol(administrator)
    client = _password_only(administrator)
    response = client.post(reverse("two-factor") + "?next=https://evil.example/", {"code": _code(key)})
    assert response["Location"] == reverse("home")


def test_signed_in_test_clients_have_passed_the_second_factor(client_for, coordinator):
    assert client_for(coordinator).get(reverse("home")).status_code == 200


def test_new_recovery_codes_after_a_current_code_replace_the_old_ones(caseworker):
    key, old_codes = _enrol(caseworker)
    client = _password_only(caseworker)
    assert client.post(reverse("two-factor"), {"code": old_codes[0]}).status_code == 302
    page = reverse("two-factor-recovery-codes")
    assert client.get(page).status_code == 200
    refused = client.post(page, {"code": "000000" if _code(key) != "000000" else "111111"})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="regenerate_recovery_codes").exists()
    time.sleep(2.1)  # django-otp waits 2 s after the app's second wrong code (the recovery code was one)
    done = client.post(page, {"code": _code(key)})
    assert done.status_code == 200 and "Your earlier recovery codes no longer work" in done.content.decode()
    new_codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(new_codes) == two_factor.RECOVERY_CODES and not set(new_codes) & set(old_codes)
    assert sorted(StaticToken.objects.filter(device__user=caseworker).values_list("token", flat=True)) == sorted(
        new_codes
    )
    event = AuditEvent.objects.get(action="regenerate_recovery_codes")
    assert (event.actor_id, event.payload) == (caseworker.pk, {"recovery_codes": two_factor.RECOVERY_CODES})
    assert not any(code in str(event.payload) for code in new_codes + old_codes)
    # An old code no longer signs in; a new one does (the waits after the wrong codes above cleared).
    StaticDevice.objects.filter(user=caseworker).update(throttling_failure_count=0)
    assert _password_only(caseworker).post(reverse("two-factor"), {"code": old_codes[1]}).status_code == 400
    StaticDevice.objects.filter(user=caseworker).update(throttling_failure_count=0)
    assert _password_only(caseworker).post(reverse("two-factor"), {"code": new_codes[0]}).status_code == 302


def test_new_recovery_codes_need_two_factor_on_and_a_second_factor(coordinator):
    client = _password_only(coordinator)  # no device yet: set one up first
    assert client.get(reverse("two-factor-recovery-codes"))["Location"].startswith(reverse("two-factor-setup"))
    _enrol(coordinator)
    password_only = _password_only(coordinator)  # the password alone does not reach the page
    assert password_only.get(reverse("two-factor-recovery-codes"))["Location"].startswith(reverse("two-factor"))
