"""Business-day arithmetic for MIAO's review clock: weekends and U.S. federal
holidays (as observed) do not count."""

import datetime as dt
from functools import lru_cache

import holidays

REVIEW_BUSINESS_DAYS = 15


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The date `days` business days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after `start` up to and including `end`; negative when end < start."""
    if end < start:
        return -business_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count


def review_due_date(submitted_on: dt.date) -> dt.date:
    return add_business_days(submitted_on, REVIEW_BUSINESS_DAYS)
