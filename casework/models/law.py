"""The legal thresholds and periods the lifeboat applies, kept as data with their source and dates.

Each row is one rule as it stood from `commences_on` (to `ends_on`, inclusive, when it was replaced).
Rows come from data migrations (a new rule, or a change in the law, is a new migration), so the
rule that applied on any past date stays answerable. Code reads them only through
`casework.law.rule_in_force(key, on=date)`; nothing else holds a legal number.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import audited_history
from core.models import TimeStamped


class LegalRule(TimeStamped):
    class Unit(models.TextChoices):
        DAYS = "days", "days"
        MONTHS = "months", "months"
        PEOPLE = "people", "people"
        POUNDS = "pounds", "pounds"

    key = models.SlugField(max_length=60, help_text="The name code uses, e.g. tupe_eli_days.")
    title = models.CharField(max_length=200, help_text="What the rule is, in plain words.")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    reference = models.CharField(max_length=200, help_text="Statute, regulation or guidance, with section.")
    source_url = models.URLField(max_length=300)
    commences_on = models.DateField(help_text="The first day the rule applies.")
    ends_on = models.DateField(null=True, blank=True, help_text="The last day it applies (empty while in force).")
    applies_to = models.CharField(
        max_length=200, help_text="Which date decides, e.g. 'the transfer date' or 'the date of the resolution'."
    )

    history = audited_history()

    class Meta:
        ordering = ["key", "commences_on"]
        constraints = [models.UniqueConstraint(fields=["key", "commences_on"], name="legalrule_key_commences_uniq")]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference}, from {self.commences_on:%-d %B %Y})"

    def clean(self) -> None:
        if self.ends_on and self.ends_on < self.commences_on:
            raise ValidationError({"ends_on": "A rule cannot end before it commences."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from casework import law

        law.forget_rules()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        from casework import law

        law.forget_rules()
        return result

    def in_force_on(self, day: datetime.date) -> bool:
        return self.commences_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def number(self) -> int:
        """The value as a whole number (days, months, people)."""
        return int(self.value)

    @property
    def amount(self) -> Decimal:
        return self.value

    @property
    def display_value(self) -> str:
        if self.unit == self.Unit.POUNDS:
            return f"£{self.value:,.0f}" if self.value == self.value.to_integral() else f"£{self.value:,.2f}"
        return f"{self.number:,} {self.get_unit_display()}"
