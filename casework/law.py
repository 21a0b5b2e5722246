"""The one lookup for legal thresholds and periods: `rule_in_force(key, on=date)`.

The rules are rows of `LegalRule` (with their source and commencement date); this module reads
them once per process and keeps them, because register pages ask for the same few rules for every
item. Saving or deleting a rule forgets the copy. Date arithmetic for the periods lives here too,
so that "3 months after" means calendar months everywhere.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from casework.models.law import LegalRule

_rules: dict[str, list[LegalRule]] | None = None


class RuleMissing(LookupError):
    """No row of the rules table covers this key on this date (a gap in the data, not bad input)."""


def forget_rules() -> None:
    """Drop the process's copy of the rules table (after a rule changes, or a test flushes the table)."""
    global _rules
    _rules = None


def _table() -> dict[str, list[LegalRule]]:
    global _rules
    if _rules is None:
        table: dict[str, list[LegalRule]] = defaultdict(list)
        for rule in LegalRule.objects.order_by("key", "commences_on"):
            table[rule.key].append(rule)
        _rules = dict(table)
    return _rules


def all_rules() -> list[LegalRule]:
    """Every rule, current and past, ordered by key and commencement."""
    return [rule for rows in _table().values() for rule in rows]


def rule_in_force(key: str, on: datetime.date | None = None) -> LegalRule:
    """The rule `key` as it stood on `on` (today when not given)."""
    day = on or timezone.localdate()
    rows = _table().get(key)
    if not rows:
        raise RuleMissing(f"No legal rule called {key!r} is recorded.")
    for rule in rows:
        if rule.in_force_on(day):
            return rule
    raise RuleMissing(f"No version of the rule {key!r} was in force on {day:%-d %B %Y}.")


def is_in_force(key: str, on: datetime.date | None = None) -> bool:
    """Whether any version of the rule applied on that date (some rules were repealed outright)."""
    try:
        rule_in_force(key, on)
    except RuleMissing:
        return False
    return True


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole calendar months (the 31st becomes the month's last day)."""
    return day + relativedelta(months=months)


def add_period(day: datetime.date, rule: LegalRule, *, times: int = 1) -> datetime.date:
    """`day` moved by the rule's period (days or calendar months; negative `times` counts back)."""
    if rule.unit == LegalRule.Unit.MONTHS:
        return day + relativedelta(months=rule.number * times)
    if rule.unit == LegalRule.Unit.DAYS:
        return day + datetime.timedelta(days=rule.number * times)
    raise ValueError(f"The rule {rule.key!r} is not a period.")
