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
