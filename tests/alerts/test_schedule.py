"""When each frequency is next due."""

import datetime as dt
import zoneinfo

import pytest

from alerts import schedule

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def seven_in_new_york(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.ALERTS_DIGEST_HOUR = 7


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def test_as_it_happens_is_due_now_and_waits_five_minutes_after_a_message():
    now = at(2026, 3, 4, 15, 0)
    assert schedule.first_due("immediate", now) == now
    assert schedule.next_due("immediate", now, sent=False) == now
    assert schedule.next_due("immediate", now, sent=True) == now + dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(2026, 3, 4, 6, 59), at(2026, 3, 4, 7)),  # before seven: today
        (at(2026, 3, 4, 7, 0), at(2026, 3, 5, 7)),  # at seven: tomorrow
        (at(2026, 3, 4, 23, 30), at(2026, 3, 5, 7)),
        (at(2026, 3, 7, 12, 0), at(2026, 3, 8, 7)),  # across the change to daylight time
    ],
)
def test_daily_digests_are_due_at_the_next_digest_hour(now, due):
    assert schedule.first_due("daily", now) == due
    assert schedule.next_due("daily", now, sent=True) == due
    assert schedule.next_due("daily", now, sent=False) == due


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(2026, 3, 4, 12, 0), at(2026, 3, 9, 7)),  # a Wednesday: next Monday
        (at(2026, 3, 9, 6, 0), at(2026, 3, 9, 7)),  # Monday before seven
        (at(2026, 3, 9, 7, 0), at(2026, 3, 16, 7)),  # Monday at seven: the next one
    ],
)
def test_weekly_digests_are_due_on_monday_at_the_digest_hour(now, due):
    assert schedule.first_due("weekly", now) == due
    assert schedule.next_due("weekly", now, sent=False) == due
