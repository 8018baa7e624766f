"""Working days: Monday to Friday, minus Indonesia's public holidays (the `holidays` calendar)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=16)
def _holidays(year: int) -> frozenset[date]:
    import holidays  # loaded on first use: most syncs count no working days (issue 16)

    return frozenset(holidays.country_holidays("ID", years=year))


def is_working_day(day: date) -> bool:
    """True on a weekday that is not a national holiday (cuti bersama included where the calendar has it)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when finished the same day)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start` (the promised date of a request)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day
