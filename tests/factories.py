"""One factory per model, no surprises. States come from traits, never from walking transitions."""

from __future__ import annotations

import datetime
import functools

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from organisations.models import Borough, ConflictDeclaration, Membership, Organisation, User

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105


@functools.cache
def _test_password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run.
    return make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.LazyFunction(_test_password_hash)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Organisation {n}")
    kind = Organisation.Kind.CVS
    legal_form = Organisation.LegalForm.CIO
    charity_number = factory.Sequence(lambda n: f"{1_100_000 + n}")

    @factory.post_generation
    def boroughs(self, create: bool, extracted: list[Borough] | None, **kwargs: object) -> None:
        if create and extracted:
            self.boroughs.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.REVIEWER
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))


class ConflictDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictDeclaration

    person = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    kind = ConflictDeclaration.Kind.TRUSTEESHIP
    reason = "Trustee since 2020."
    declared_by = factory.SelfAttribute("person")
