"""Organisations, London's boroughs, people, their roles, and conflict-of-interest declarations."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from core.audit import audited_history
from core.dates import years_after
from core.models import Dated, DatedQuerySet, TimeStamped


class Borough(models.Model):
    """One of London's 33 local authority areas (32 boroughs and the City of London)."""

    ons_code = models.CharField("ONS code", max_length=9, unique=True)
    name = models.CharField(max_length=60, unique=True)
    inner_london = models.BooleanField(help_text="Inner London in the ONS statistical definition.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:borough-detail", args=[self.ons_code])


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def search(self, text: str) -> OrganisationQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(charity_number=text) | Q(company_number__iexact=text))

    def with_status(self, status: str, user: Any) -> OrganisationQuerySet:
        """Organisations with this status as the person may know it (`Organisation.status_seen_by`):
        for someone outside the lifeboat, "active" includes those in difficulty, and "in difficulty"
        is not a status they can ask for (nothing is found)."""
        if status not in Organisation.Status.values:
            return self
        knows = user.has_perm("organisations.view_difficulty")
        if status == Organisation.Status.IN_DIFFICULTY and not knows:
            return self.none()
        if status == Organisation.Status.ACTIVE and not knows:
            return self.filter(status__in=[Organisation.Status.ACTIVE, Organisation.Status.IN_DIFFICULTY])
        return self.filter(status=status)


charity_number_validator = RegexValidator(r"^\d{6,8}$", "Enter a charity number of 6 to 8 digits, like 1123456.")
company_number_validator = RegexValidator(
    r"^(\d{8}|[A-Z]{2}\d{6})$", "Enter a company number of 8 characters, like 01234567 or CE001234."
)


class Organisation(TimeStamped):
    class Kind(models.TextChoices):
        CVS = "cvs", "Council for Voluntary Service (CVS)"
        VOLUNTEER_CENTRE = "volunteer_centre", "Volunteer centre"
        CVS_VOLUNTEER_CENTRE = "cvs_volunteer_centre", "Combined CVS and volunteer centre"
        EQUALITIES_NETWORK = "equalities_network", "Equalities network"
        COMMUNITY_ANCHOR = "community_anchor", "Community anchor"
        SPECIALIST_SUPPORT = "specialist_support", "Specialist support body"
        FRONTLINE_GROUP = "frontline_group", "Frontline group"
        FUNDER = "funder", "Funder"
        PUBLIC_BODY = "public_body", "Public body"

    class LegalForm(models.TextChoices):
        TRUST = "trust", "Charitable trust"
        UNINCORPORATED = "unincorporated", "Unincorporated association"
        CHARITABLE_COMPANY = "charitable_company", "Charitable company"
        CIO = "cio", "Charitable incorporated organisation (CIO)"
        CIC = "cic", "Community interest company (CIC)"
        CBS = "cbs", "Community benefit society"
        STATUTORY = "statutory", "Statutory or other body"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        IN_DIFFICULTY = "in_difficulty", "In difficulty"
        DISSOLVED = "dissolved", "Dissolved"

    # Support bodies: the organisations that give and receive peer review.
    SUPPORT_BODY_KINDS = frozenset(
        {
            Kind.CVS,
            Kind.VOLUNTEER_CENTRE,
            Kind.CVS_VOLUNTEER_CENTRE,
            Kind.EQUALITIES_NETWORK,
            Kind.COMMUNITY_ANCHOR,
            Kind.SPECIALIST_SUPPORT,
        }
    )

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    legal_form = models.CharField(max_length=30, choices=LegalForm.choices)
    charity_number = models.CharField(
        max_length=8,
        blank=True,
        validators=[charity_number_validator],
        help_text="Charity Commission for England and Wales.",
    )
    company_number = models.CharField(
        max_length=8, blank=True, validators=[company_number_validator], help_text="Companies House."
    )
    boroughs = models.ManyToManyField(Borough, related_name="organisations", blank=True, verbose_name="boroughs served")
    website = models.URLField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = OrganisationQuerySet.as_manager()
    history = audited_history(m2m_fields=[boroughs])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["charity_number"], condition=~Q(charity_number=""), name="organisation_unique_charity_number"
            ),
            models.UniqueConstraint(
                fields=["company_number"], condition=~Q(company_number=""), name="organisation_unique_company_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:organisation-detail", args=[self.pk])

    def clean(self) -> None:
        self.company_number = (self.company_number or "").strip().upper()
        self.charity_number = (self.charity_number or "").strip()
        errors: dict[str, str] = {}
        needs_company = {self.LegalForm.CHARITABLE_COMPANY, self.LegalForm.CIC}
        if self.legal_form in needs_company and not self.company_number:
            errors["company_number"] = f"A {self.get_legal_form_display().lower()} needs its company number."
        if self.legal_form == self.LegalForm.CIO and not self.charity_number:
            errors["charity_number"] = "A CIO is registered with the Charity Commission: enter its charity number."
        if self.legal_form == self.LegalForm.CIC and self.charity_number:
            errors["charity_number"] = "A community interest company cannot be a registered charity."
        if errors:
            raise ValidationError(errors)

    @property
    def org_id(self) -> str:
        """The org-id.guide identifier: the charity register first, then Companies House."""
        if self.charity_number:
            return f"GB-CHC-{self.charity_number}"
        if self.company_number:
            return f"GB-COH-{self.company_number}"
        return ""

    @property
    def is_support_body(self) -> bool:
        return self.kind in self.SUPPORT_BODY_KINDS

    @property
    def is_charity(self) -> bool:
        """Charitable in law: a charitable trust, charitable company or CIO, or registered as a charity."""
        charitable = (self.LegalForm.TRUST, self.LegalForm.CHARITABLE_COMPANY, self.LegalForm.CIO)
        return self.legal_form in charitable or bool(self.charity_number)

    @property
    def is_asset_locked(self) -> bool:
        """An asset-locked body as a CIC's asset lock counts them: a charity or another CIC (the
        Community Interest Company Regulations 2005, reg. 2)."""
        return self.is_charity or self.legal_form == self.LegalForm.CIC

    def may_take_assets_of(self, closing: Organisation) -> bool:
        """Whether this body may be given what `closing` leaves: a CIC's assets go only to an
        asset-locked body, a charity's only to a charity; anyone else's, to anyone."""
        if closing.legal_form == self.LegalForm.CIC:
            return self.is_asset_locked
        return self.is_charity if closing.is_charity else True

    # Confidential: that an organisation is in difficulty is a lifeboat fact (issue #16). Outside
    # the lifeboat (organisations.view_difficulty) it reads as active, on pages and in the API.
    @classmethod
    def statuses_for(cls, user: Any) -> list[tuple[str, str]]:
        """The status values the person may filter by or be shown."""
        if user.has_perm("organisations.view_difficulty"):
            return list(cls.Status.choices)
        return [(v, label) for v, label in cls.Status.choices if v != cls.Status.IN_DIFFICULTY]

    def status_seen_by(self, user: Any) -> str:
        """The status as the person may know it: "in difficulty" only inside the lifeboat."""
        if self.status == self.Status.IN_DIFFICULTY and not user.has_perm("organisations.view_difficulty", self):
            return self.Status.ACTIVE
        return self.status

    def status_label_seen_by(self, user: Any) -> str:
        return str(self.Status(self.status_seen_by(user)).label)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("People sign in with their email address, so it is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. They sign in with their email address; what they may do comes from memberships."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Unused for access: administrators hold that role.")
    date_joined = models.DateTimeField(default=timezone.now)
    # When the current invitation was sent; empty when none is outstanding (never sent, or revoked).
    # It is part of the invitation link's token, so a resend or a revoke kills every earlier link.
    invited_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()
    history = audited_history(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("organisations:person-detail", args=[self.pk])

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def current_memberships(self) -> list[Membership]:
        """Memberships in force today; cached per request because every permission check reads them."""
        return list(self.memberships.current().select_related("organisation"))

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.current_memberships}

    def has_role(self, *roles: str, organisation: Organisation | int | None = None) -> bool:
        org_id = organisation.pk if isinstance(organisation, Organisation) else organisation
        return any(
            m.role in roles and (org_id is None or m.organisation_id == org_id) for m in self.current_memberships
        )

    def organisations_with_role(self, *roles: str) -> set[int]:
        return {m.organisation_id for m in self.current_memberships if m.role in roles}


class MembershipQuerySet(DatedQuerySet):
    def within_years(self, years: int, on: datetime.date | None = None) -> MembershipQuerySet:
        """Memberships that were in force at any time in the last `years` years (for conflict checks)."""
        on = on or timezone.localdate()
        since = years_after(on, -years)
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=since), starts_on__lte=on)


class Membership(Dated):
    """A person's role in an organisation, from a start date to an optional end date."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator"
        REVIEWER = "reviewer", "Peer reviewer"
        LEAD_REVIEWER = "lead_reviewer", "Lead reviewer"
        CONTACT = "contact", "Organisation contact"
        STEWARD = "steward", "Standards steward"
        PARTICIPANT = "participant", "Community participant"
        CASEWORKER = "caseworker", "Lifeboat caseworker"
        PANEL_MEMBER = "panel_member", "Lifeboat panel member"
        FUNDER_READER = "funder_reader", "Funder"
        ADMINISTRATOR = "administrator", "Administrator"
        QUALITY_PANEL = "quality_panel", "Quality panel member"
        APPEALS_GROUP = "appeals_group", "Appeals group member"
        RESPONSIBLE_PERSON = "responsible_person", "Nominated responsible person"

    # Standing peer panels: a term with an end date, held through a member (support) body.
    PEER_PANEL_ROLES = frozenset({Role.QUALITY_PANEL, Role.APPEALS_GROUP})

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=120, blank=True)
    ends_on = models.DateField(null=True, blank=True, help_text="The first day without the role.")

    objects = MembershipQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["person__full_name", "organisation__name", "role"]
        constraints = [Dated.ends_after_start("membership_ends_after_start")]
        indexes = [models.Index(fields=["person", "role"], name="membership_person_role_idx")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.organisation}"

    def clean(self) -> None:
        super().clean()
        if self.role in self.PEER_PANEL_ROLES:
            self._clean_peer_panel_term()
        if self.role == self.Role.RESPONSIBLE_PERSON and self.person_id and self.organisation_id:
            contact = Membership.objects.current().filter(
                person_id=self.person_id, organisation_id=self.organisation_id, role=self.Role.CONTACT
            )
            if not contact.exists():
                raise ValidationError({"role": "Nominate one of the organisation's current contacts."})

    def _clean_peer_panel_term(self) -> None:
        """Quality panel and appeals group places are dated terms held by peers from member bodies."""
        name = self.get_role_display().lower()
        if not self.ends_on:
            raise ValidationError({"ends_on": f"A {name} serves a term: give the date the term ends."})
        organisation = getattr(self, "organisation", None)
        if organisation is not None and not organisation.is_support_body:
            raise ValidationError(
                {"organisation": f"A {name} is a peer from a member body (a CVS, volunteer centre, network…)."}
            )
        if self.role == self.Role.QUALITY_PANEL and self.person_id:
            accredited = Membership.objects.filter(
                person_id=self.person_id, role__in=[self.Role.REVIEWER, self.Role.LEAD_REVIEWER]
            ).exists()
            if not accredited:
                raise ValidationError(
                    {"role": "The quality panel is made of accredited peer reviewers: this person has none."}
                )


class ConflictDeclaration(Dated):
    """A person's declared interest in an organisation; read when panels are built."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", "Employment (paid or seconded)"
        TRUSTEESHIP = "trusteeship", "Trustee or director"
        VOLUNTEERING = "volunteering", "Volunteer or member"
        CONSORTIUM = "consortium", "Shared consortium or partnership"
        FINANCIAL = "financial", "Financial interest (contract, grant, payment)"
        PERSONAL = "personal", "Close personal relationship"
        OTHER = "other", "Other"

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="conflict_declarations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="conflict_declarations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField(help_text="Describe the interest in a sentence or two.")
    ends_on = models.DateField(null=True, blank=True)
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["-starts_on", "organisation__name"]
        constraints = [Dated.ends_after_start("conflict_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display().lower()} at {self.organisation}"
