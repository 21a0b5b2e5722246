"""Working days in England and Wales: weekends and bank holidays (from the maintained `holidays`
package, not a hand-typed list) do not count."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (negative counts back). 0 gives `start` itself."""
    step = 1 if days >= 0 else -1
    day, remaining = start, abs(days)
    while remaining:
        day += datetime.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + datetime.timedelta(days=n)))


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes 28 February in a year without one
    (`date.replace(year=…)` raises on it)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def not_in_future(day: datetime.date | None) -> None:
    """Model-field validator: facts that have happened ("as of", evidenced, reviewed, signed off,
    completed) are never dated in the future."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    if day is not None and day > timezone.localdate():
        raise ValidationError("This date is in the future: record it once it has happened.", code="future_date")


def refuse_future(**dates: datetime.date | None) -> None:
    """Refuse facts dated in the future, naming each field, for operations that save without
    `full_clean`: `refuse_future(visit_date=day)`."""
    from django.core.exceptions import ValidationError

    errors = {}
    for name, day in dates.items():
        try:
            not_in_future(day)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
