"""The review clock: 15 business days, skipping weekends and U.S. federal holidays."""

import datetime as dt

import pytest

from tests.factories import WaiverFactory, post
from waivers.business_days import (
    add_business_days,
    business_days_between,
    is_business_day,
    review_due_date,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2022, 11, 18), True),  # Friday
        (D(2022, 11, 19), False),  # Saturday
        (D(2022, 11, 20), False),  # Sunday
        (D(2022, 11, 24), False),  # Thanksgiving
        (D(2022, 12, 26), False),  # Christmas (Sunday the 25th) observed on Monday
        (D(2023, 1, 2), False),  # New Year's Day (Sunday) observed on Monday
        (D(2021, 12, 31), False),  # New Year's Day 2022 (Saturday) observed on Friday
        (D(2022, 6, 20), False),  # Juneteenth (Sunday the 19th) observed on Monday
        (D(2023, 11, 10), False),  # Veterans Day (Saturday the 11th) observed on Friday
        (D(2022, 6, 21), True),
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2022, 11, 18), 1, D(2022, 11, 21)),  # Friday + 1 skips the weekend
        (D(2022, 11, 23), 1, D(2022, 11, 25)),  # over Thanksgiving
        (D(2022, 12, 23), 1, D(2022, 12, 27)),  # over Christmas observed
        (D(2022, 12, 30), 1, D(2023, 1, 3)),  # over New Year observed, across the year
        (D(2022, 6, 17), 1, D(2022, 6, 21)),  # over Juneteenth observed
        (D(2022, 11, 19), 1, D(2022, 11, 21)),  # counting from a Saturday
        (D(2022, 11, 18), 0, D(2022, 11, 18)),
        (D(2022, 11, 14), 5, D(2022, 11, 21)),
    ],
)
def test_add_business_days(start, days, expected):
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (D(2022, 11, 18), D(2022, 12, 12)),  # Thanksgiving inside the window
        (D(2022, 12, 16), D(2023, 1, 10)),  # Christmas and New Year observed
        (D(2022, 6, 10), D(2022, 7, 5)),  # Juneteenth observed and Independence Day
        (D(2022, 3, 1), D(2022, 3, 22)),  # no holiday: exactly three weeks
    ],
)
def test_review_due_date_is_15_business_days_later(submitted, due):
    assert review_due_date(submitted) == due
    assert business_days_between(submitted, due) == 15


def test_business_days_between_counts_forward_and_backward():
    assert business_days_between(D(2022, 11, 18), D(2022, 11, 18)) == 0
    assert business_days_between(D(2022, 11, 18), D(2022, 11, 21)) == 1
    assert business_days_between(D(2022, 11, 21), D(2022, 11, 18)) == -1
    assert business_days_between(D(2022, 12, 12), D(2022, 12, 5)) == -5


@pytest.mark.django_db
def test_days_left_on_the_review_clock_go_negative_when_overdue():
    waiver = post(WaiverFactory(), at=dt.datetime(2022, 11, 18, 15, tzinfo=dt.UTC))
    assert waiver.review_due_date == D(2022, 12, 12)
    assert waiver.business_days_left(today=D(2022, 11, 18)) == 15
    assert waiver.business_days_left(today=D(2022, 12, 12)) == 0
    assert waiver.business_days_left(today=D(2022, 12, 14)) == -2
