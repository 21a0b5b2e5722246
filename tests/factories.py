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


# --- standards ------------------------------------------------------------------------------------
# Models are named by "app.Model" so this section needs no imports of its own. Versions get their
# state at construction (traits); content (themes, standards, indicators) can only be added to a
# draft or consultation version, because published and retired versions refuse changes.


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Framework"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Framework {n}")
    slug = factory.Sequence(lambda n: f"test-framework-{n}")
    purpose = "What good local support for civil society looks like."
    scoring_mode = "scored"
    limiter_trigger = None
    limiter_cap = None

    class Params:
        narrative = factory.Trait(scoring_mode="narrative")

    @factory.post_generation
    def owners(self, create: bool, extracted: list[Organisation] | None, **kwargs: object) -> None:
        if create and extracted:
            self.owners.set(extracted)

    @factory.post_generation
    def levels(self, create: bool, extracted: object, **kwargs: object) -> None:
        """`levels=True` adds the default four-level scale; a list of (value, label, min_mean) adds those."""
        if not (create and extracted):
            return
        from decimal import Decimal

        from standards.models import DEFAULT_LEVELS, RatingLevel

        rows = (
            [(value, label, min_mean) for value, label, _descriptor, min_mean in DEFAULT_LEVELS]
            if extracted is True
            else extracted
        )
        for value, label, min_mean in rows:  # type: ignore[union-attr]
            RatingLevel.objects.create(framework=self, value=value, label=label, min_mean=Decimal(str(min_mean)))


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.FrameworkVersion"

    framework = factory.SubFactory(FrameworkFactory)
    number = factory.Sequence(lambda n: n + 1)
    state = "draft"

    class Params:
        consultation = factory.Trait(
            state="consultation",
            consultation_opens_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=7)),
            consultation_closes_on=factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14)),
        )
        published = factory.Trait(
            state="published",
            consultation_opens_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60)),
            consultation_closes_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30)),
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=20)),
        )
        retired = factory.Trait(
            state="retired",
            consultation_opens_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400)),
            consultation_closes_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=370)),
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=360)),
            retired_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10)),
        )


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Theme"

    version = factory.SubFactory(FrameworkVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Theme {n}")
    description = ""


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Standard"
        skip_postgeneration_save = True

    theme = factory.SubFactory(ThemeFactory)
    version = factory.SelfAttribute("theme.version")
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"S{n}")
    title = factory.Sequence(lambda n: f"Standard {n}")
    description = ""
    guidance = ""


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Indicator"

    standard = factory.SubFactory(StandardFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Indicator {n}: what good looks like.")
    evidence_prompts = ""


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.Comment"

    version = factory.SubFactory(FrameworkVersionFactory, consultation=True)
    author = factory.SubFactory(UserFactory)
    kind = "concern"
    text = "This does not reflect small groups without paid staff."
    answer = "unanswered"
    response = ""

    class Params:
        answered = factory.Trait(answer="accepted", response="We added a standard about unfunded groups.")


# --- peer review and the lifeboat ----------------------------------------------------------------
# For tests of one model's rules (predicates, display, queries). A state set here is a fixture, not a
# history: tests of moves, audit and what a page offers build their world through the workflow
# (tests/scenes.py), as the pages do.


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "peerreview.Review"

    organisation = factory.SubFactory(OrganisationFactory)
    framework_version = factory.SubFactory(FrameworkVersionFactory, published=True)
    coordinator = factory.SubFactory(UserFactory)
    state = "scoping"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "peerreview.Assignment"

    review = factory.SubFactory(ReviewFactory)
    reviewer = factory.SubFactory(UserFactory)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Referral"

    organisation = factory.SubFactory(OrganisationFactory)
    source = "cvs"
    concerns = "Cash is running out."
    referred_by = factory.SubFactory(UserFactory)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Case"

    organisation = factory.SubFactory(OrganisationFactory)
    owner = factory.SubFactory(UserFactory)
    state = "referred"

    class Params:
        on_turnaround = factory.Trait(state="active", pathway="turnaround")
        closing = factory.Trait(state="active", pathway="closure")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Task"

    case = factory.SubFactory(CaseFactory, on_turnaround=True)
    title = factory.Sequence(lambda n: f"Task {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    assignee = factory.SelfAttribute("case.owner")


class TurnaroundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Turnaround"

    case = factory.SubFactory(CaseFactory, on_turnaround=True)


class GrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Grant"

    turnaround = factory.SubFactory(TurnaroundFactory)
    title = factory.Sequence(lambda n: f"Grant {n}")
    purpose = "Rent arrears"
    amount = 5000
    requested_by = factory.SelfAttribute("turnaround.case.owner")
    state = "requested"


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.Closure"

    case = factory.SubFactory(CaseFactory, closing=True)


class RegisterItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casework.RegisterItem"

    closure = factory.SubFactory(ClosureFactory)
    register = "service"
    kind = "service"
    name = factory.Sequence(lambda n: f"Service {n}")


def second_factor(person) -> str:
    """A confirmed recovery-code device for `person` with one fresh code; returns the code.
    Browser tests type it at the two-factor step; `force_login` (tests/conftest.py) uses the device."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _ = StaticDevice.objects.get_or_create(user=person, name="tests", defaults={"confirmed": True})
    token = StaticToken.random_token()
    device.token_set.create(token=token)
    return token
