import datetime

import pytest

from core.dates import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.unit

D = datetime.date


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(D(2026, 11, 21))  # Saturday
    assert not is_working_day(D(2026, 12, 25))  # Christmas Day
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(D(2027, 3, 29))  # Easter Monday
    assert is_working_day(D(2026, 11, 23))


def test_ten_working_days_across_christmas():
    # Friday 18 December 2026 + 10 working days skips 25, 28 December and 1 January.
    assert add_working_days(D(2026, 12, 18), 10) == D(2027, 1, 6)


def test_add_and_count_agree():
    start = D(2027, 3, 24)
    for n in range(0, 30):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_counting_back():
    assert add_working_days(D(2027, 1, 4), -1) == D(2026, 12, 31)
