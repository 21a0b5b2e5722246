"""Co-produced quality frameworks: framework → versions → themes → standards → indicators.

A version moves draft → consultation → published → retired (FrameworkVersion.State). Once
published, its content is frozen here in the model layer: saving or deleting a theme, standard or
indicator of a published or retired version raises FrozenVersionError.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from core.audit import audited_history
from core.fields import StateField
from core.fsm import ConcurrentTransitionMixin, transition
from core.models import TimeStamped
from organisations.models import Organisation

DEFAULT_LEVELS = [
    (1, "Not yet in place", "The basics are missing or not working; people are not getting the support they need.", 0),
    (
        2,
        "Developing",
        "Some of this is in place but it is patchy, new or not yet reaching everyone who needs it.",
        1.75,
    ),
    (3, "Established", "This is in place, works well and the organisation can show the difference it makes.", 2.5),
    (4, "Leading", "This is excellent, keeps improving, and other organisations learn from it.", 3.5),
]


class FrozenVersionError(ValidationError):
    """Raised on any attempt to change the content of a published or retired version."""

    def __init__(self) -> None:
        super().__init__("Published versions cannot be changed. Start a new version to make changes.")


class Framework(TimeStamped):
    class ScoringMode(models.TextChoices):
        SCORED = "scored", "Scored: each standard gets a rating, and there is an overall result"
        NARRATIVE = "narrative", "Narrative only: findings and recommendations, no grade"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in the framework's web address.")
    purpose = models.TextField()
    owners = models.ManyToManyField(Organisation, related_name="frameworks", verbose_name="owning organisations")
    scoring_mode = models.CharField(max_length=20, choices=ScoringMode.choices, default=ScoringMode.SCORED)
    # The limiter of the aggregation rule: no overall level above `limiter_cap` while any standard
    # sits at `limiter_trigger` or below. Empty means no limiter.
    limiter_trigger = models.PositiveSmallIntegerField(null=True, blank=True)
    limiter_cap = models.PositiveSmallIntegerField(null=True, blank=True)

    history = audited_history(m2m_fields=[owners])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standards:framework-detail", args=[self.slug])

    @property
    def is_scored(self) -> bool:
        return self.scoring_mode == self.ScoringMode.SCORED

    def latest_version(self) -> FrameworkVersion | None:
        return self.versions.order_by("-number").first()

    def current_published(self) -> FrameworkVersion | None:
        return self.versions.filter(state=FrameworkVersion.State.PUBLISHED).order_by("-number").first()


class RatingLevel(models.Model):
    """One level of a framework's rating scale. `min_mean` is where its band starts."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)
    descriptor = models.TextField(blank=True)
    min_mean = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        help_text="The overall result is this level when the mean rating is at least this.",
    )

    history = audited_history()

    class Meta:
        ordering = ["framework", "value"]
        constraints = [models.UniqueConstraint(fields=["framework", "value"], name="rating_level_unique_value")]

    def __str__(self) -> str:
        return f"{self.value} – {self.label}"


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def public(self) -> FrameworkVersionQuerySet:
        """Versions anyone may read: in consultation, published or retired."""
        return self.exclude(state=FrameworkVersion.State.DRAFT)

    def open_for_comment(self, on: datetime.date | None = None) -> FrameworkVersionQuerySet:
        """Twin of FrameworkVersion.consultation_is_open, in one query: in consultation, between its
        dates, not closed early."""
        on = on or timezone.localdate()
        return self.filter(
            state=FrameworkVersion.State.CONSULTATION,
            consultation_opens_on__lte=on,
            consultation_closes_on__gte=on,
            consultation_closed_early_on__isnull=True,
        )

    def unfinished(self) -> FrameworkVersionQuerySet:
        """Versions still being written or consulted on (a steward's work)."""
        return self.filter(state__in=[FrameworkVersion.State.DRAFT, FrameworkVersion.State.CONSULTATION])

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(state__in=[FrameworkVersion.State.PUBLISHED, FrameworkVersion.State.RETIRED]).exists():
            raise FrozenVersionError  # deleting would take its content with it
        return super().delete()


class FrameworkVersion(ConcurrentTransitionMixin, TimeStamped):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONSULTATION = "consultation", "In consultation"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    # The colour of each state's tag on the pages (`tag_colour`); a draft's is blue.
    TAG_COLOURS = {State.PUBLISHED: "green", State.CONSULTATION: "yellow", State.RETIRED: "grey"}

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    state = StateField(choices=State.choices, default=State.DRAFT, protected=True)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The version this one was copied from.",
    )
    summary = models.TextField("summary of changes", blank=True)
    consultation_opens_on = models.DateField(null=True, blank=True)
    consultation_closes_on = models.DateField(null=True, blank=True, help_text="The last day comments are accepted.")
    consultation_closed_early_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = FrameworkVersionQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.framework.name}, version {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("standards:version-detail", args=[self.framework.slug, self.number])

    # --- guards ---------------------------------------------------------------------------------
    def has_content(self) -> bool:
        """The version has at least one standard with an indicator."""
        return Indicator.objects.filter(standard__version=self).exists()

    def has_consultation_dates(self) -> bool:
        """Consultation opening and closing dates are set, closing on or after opening."""
        opens, closes = self.consultation_opens_on, self.consultation_closes_on
        return bool(opens and closes and closes >= opens)

    def consultation_has_closed(self) -> bool:
        """The consultation period has ended"""
        today = timezone.localdate()
        return bool(
            self.consultation_closed_early_on or (self.consultation_closes_on and today > self.consultation_closes_on)
        )

    def every_comment_is_answered(self) -> bool:
        """Every consultation comment has an answer"""
        return not self.comments.filter(answer=Comment.Answer.UNANSWERED).exists()

    # --- facts ---------------------------------------------------------------------------------
    @property
    def is_draft(self) -> bool:
        """Still a draft: its content may be replaced from a spreadsheet; nobody outside sees it."""
        return self.state == self.State.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.state in {self.State.PUBLISHED, self.State.RETIRED}

    def consultation_is_open(self, on: datetime.date | None = None) -> bool:
        if self.state != self.State.CONSULTATION or not self.has_consultation_dates():
            return False
        on = on or timezone.localdate()
        assert self.consultation_opens_on and self.consultation_closes_on
        return (
            self.consultation_opens_on <= on <= self.consultation_closes_on
            and self.consultation_closed_early_on is None
        )

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if FrameworkVersion.objects.filter(pk=self.pk, state__in=[self.State.PUBLISHED, self.State.RETIRED]).exists():
            raise FrozenVersionError  # deleting would take its content with it
        return super().delete(*args, **kwargs)

    # --- transitions ------------------------------------------------------------------------------
    @transition(
        field=state,
        source=State.DRAFT,
        target=State.CONSULTATION,
        conditions=[has_content, has_consultation_dates],
        permission="standards.manage_frameworkversion",
        custom={"label": "Open consultation", "style": "primary"},
    )
    def open_consultation(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CONSULTATION,
        target=State.PUBLISHED,
        conditions=[has_content, consultation_has_closed, every_comment_is_answered],
        permission="standards.manage_frameworkversion",
        custom={"label": "Publish", "style": "primary"},
    )
    def publish(self) -> None:
        self.published_at = timezone.now()

    @transition(
        field=state,
        source=State.PUBLISHED,
        target=State.RETIRED,
        permission="standards.manage_frameworkversion",
        custom={"label": "Retire", "style": "warning", "reason_required": True},
    )
    def retire(self) -> None:
        self.retired_at = timezone.now()


class FrozenUnlessDraft(models.Model):
    """Content of a version: refuses to change once the version is published or retired."""

    class Meta:
        abstract = True

    def owning_version(self) -> FrameworkVersion:
        raise NotImplementedError

    def _refuse_if_frozen(self) -> None:
        version = FrameworkVersion.objects.only("state").get(pk=self.owning_version().pk)
        if version.is_frozen:
            raise FrozenVersionError
        if self.pk is not None:  # the stored row too: re-pointing it at a draft would empty a frozen version
            type(self)._default_manager.filter(pk=self.pk)._check()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)


class FrozenContentQuerySet(models.QuerySet):
    """Bulk writes would bypass the freeze (and history): only allowed on unfrozen versions."""

    version_path = "version"

    def _check(self) -> None:
        frozen = {FrameworkVersion.State.PUBLISHED, FrameworkVersion.State.RETIRED}
        if self.filter(**{f"{self.version_path}__state__in": frozen}).exists():
            raise FrozenVersionError

    def update(self, **kwargs: Any) -> int:
        self._check()
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            self.model._default_manager.filter(pk__in=pks)._check()  # nor may rows be moved into a frozen version
        return count

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        for obj in objs:
            obj._refuse_if_frozen()
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check()
        return super().delete()


class IndicatorQuerySet(FrozenContentQuerySet):
    version_path = "standard__version"


class Theme(FrozenUnlessDraft):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    objects = FrozenContentQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "title"], name="theme_unique_title")]

    def __str__(self) -> str:
        return self.title

    def owning_version(self) -> FrameworkVersion:
        return self.version


class Standard(FrozenUnlessDraft):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="standards")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="standards")
    position = models.PositiveIntegerField()
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidance = models.TextField(blank=True)
    # The crosswalk: the standard(s) of the previous version that this one continues.
    continues = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="continued_by")

    objects = FrozenContentQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="standard_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def owning_version(self) -> FrameworkVersion:
        return self.version


class Indicator(FrozenUnlessDraft):
    """What good looks like, with prompts for the evidence that would show it."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveIntegerField()
    text = models.TextField()
    evidence_prompts = models.TextField(blank=True, help_text="One prompt per line.")

    objects = IndicatorQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["standard", "position"]

    def __str__(self) -> str:
        return self.text[:80]

    def owning_version(self) -> FrameworkVersion:
        return self.standard.version

    @property
    def prompts(self) -> list[str]:
        return [line.strip() for line in self.evidence_prompts.splitlines() if line.strip()]


class Comment(TimeStamped):
    """A consultation comment on the framework, a theme, a standard or an indicator, and its answer."""

    class Kind(models.TextChoices):
        SUPPORT = "support", "Support"
        CONCERN = "concern", "Concern"
        WORDING = "wording", "Proposed wording"

    class Answer(models.TextChoices):
        UNANSWERED = "unanswered", "Awaiting an answer"
        ACCEPTED = "accepted", "Accepted"
        PARTLY = "partly", "Partly accepted"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="comments")
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    standard = models.ForeignKey(Standard, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="standards_comments")
    # Snapshots, so the public page's counts do not change when people move organisation.
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation_kind = models.CharField(max_length=30, choices=Organisation.Kind.choices, blank=True)
    borough_codes = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    show_name = models.BooleanField(default=False)
    answer = models.CharField(max_length=20, choices=Answer.choices, default=Answer.UNANSWERED)
    response = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    history = audited_history()

    class Meta:
        ordering = ["version", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer="unanswered") | ~Q(response=""), name="comment_answer_has_response"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.indicator_id:
            return f"indicator of {self.indicator.standard.code}"
        if self.standard_id:
            return f"standard {self.standard.code}"
        if self.theme_id:
            return f"theme “{self.theme.title}”"
        return "the framework as a whole"

    @property
    def public_author(self) -> str:
        kind = self.get_organisation_kind_display() or "Individual"
        return f"{self.author.full_name}, {kind.lower()}" if self.show_name else f"Someone from a {kind.lower()}"


@receiver(m2m_changed, sender=Standard.continues.through)
def refuse_crosswalk_changes_of_frozen_versions(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """The crosswalk (`continues`) belongs to the newer standard's version, and is frozen with it."""
    if not action.startswith("pre_"):
        return
    if not reverse:  # standard.continues.add/remove/set/clear
        continuing = Standard.objects.filter(pk=instance.pk)
    elif action == "pre_clear":  # old.continued_by.clear()
        continuing = Standard.objects.filter(continues=instance)
    else:  # old.continued_by.add/remove(newer, ...)
        continuing = Standard.objects.filter(pk__in=pk_set or ())
    continuing._check()
