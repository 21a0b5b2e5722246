import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.models import Borough, Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.unit


def test_all_33_london_areas_are_loaded_with_ons_codes(db):
    codes = list(Borough.objects.order_by("ons_code").values_list("ons_code", flat=True))
    assert codes == [f"E090000{n:02d}" for n in range(1, 34)]
    assert Borough.objects.get(ons_code="E09000001").name == "City of London"
    assert Borough.objects.get(ons_code="E09000033").name == "Westminster"
    assert Borough.objects.filter(inner_london=True).count() == 14


@pytest.mark.parametrize(
    ("charity", "company", "expected"),
    [
        ("1123456", "", "GB-CHC-1123456"),
        ("", "01234567", "GB-COH-01234567"),
        ("1123456", "01234567", "GB-CHC-1123456"),
        ("", "", ""),
    ],
)
def test_org_id_prefers_the_charity_register(charity, company, expected):
    assert Organisation(charity_number=charity, company_number=company).org_id == expected


@pytest.mark.parametrize(
    ("legal_form", "charity", "company", "field"),
    [
        ("charitable_company", "1123456", "", "company_number"),
        ("cic", "", "", "company_number"),
        ("cio", "", "", "charity_number"),
        ("cic", "1123456", "01234567", "charity_number"),
    ],
)
def test_clean_requires_the_numbers_a_legal_form_implies(db, legal_form, charity, company, field):
    org = Organisation(name="X", kind="cvs", legal_form=legal_form, charity_number=charity, company_number=company)
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert field in excinfo.value.error_dict


@pytest.mark.parametrize(("field", "value"), [("charity_number", "12AB"), ("company_number", "123")])
def test_register_numbers_are_validated(db, field, value):
    org = Organisation(name="X", kind="cvs", legal_form="trust", **{field: value})
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert list(excinfo.value.error_dict) == [field]


def test_charity_numbers_are_unique_but_blanks_are_not(db):
    OrganisationFactory(charity_number="")
    OrganisationFactory(charity_number="")
    OrganisationFactory(charity_number="1111111")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(charity_number="1111111")


def test_current_memberships_respect_dates(db):
    person = UserFactory()
    today = timezone.localdate()
    MembershipFactory(person=person, role=Membership.Role.REVIEWER, starts_on=today - datetime.timedelta(days=10))
    MembershipFactory(
        person=person,
        role=Membership.Role.CONTACT,
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=1),
    )
    MembershipFactory(person=person, role=Membership.Role.COORDINATOR, starts_on=today + datetime.timedelta(days=5))
    assert person.roles == {"reviewer"}
    assert person.has_role("reviewer") and not person.has_role("contact") and not person.has_role("coordinator")


def test_within_years_finds_recent_past_memberships(db):
    person = UserFactory()
    today = timezone.localdate()
    old = MembershipFactory(
        person=person, starts_on=today.replace(year=today.year - 10), ends_on=today.replace(year=today.year - 4)
    )
    recent = MembershipFactory(
        person=person, starts_on=today.replace(year=today.year - 5), ends_on=today.replace(year=today.year - 1)
    )
    assert list(Membership.objects.filter(person=person).within_years(3)) == [recent]
    assert set(Membership.objects.filter(person=person).within_years(5)) == {old, recent}


def test_membership_cannot_end_before_it_starts(db):
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(starts_on=today, ends_on=today - datetime.timedelta(days=1))


def test_people_sign_in_with_a_case_insensitive_email(db, client):
    UserFactory(email="mixed.case@example.org")
    response = client.post(
        "/accounts/login/", {"username": "Mixed.Case@Example.org", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_passwords_are_hashed_with_argon2(db):
    assert UserFactory().password.startswith("argon2$argon2id$")
