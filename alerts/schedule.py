"""When a subscription's next message may go out.

- As it happens: at the next run (send_alerts --loop runs every minute);
  after a message, changes wait BUNDLE so a burst becomes one message.
- Daily: at ALERTS_DIGEST_HOUR, local time (TIME_ZONE), every day.
- Weekly: at ALERTS_DIGEST_HOUR on Mondays.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from alerts.models import Subscription

Frequency = Subscription.Frequency

BUNDLE = dt.timedelta(minutes=5)


def _next_slot(now: dt.datetime, *, weekly: bool) -> dt.datetime:
    """The first digest time strictly after `now`."""
    local = timezone.localtime(now)
    day = local.date()
    while True:
        slot = timezone.make_aware(dt.datetime.combine(day, dt.time(settings.ALERTS_DIGEST_HOUR)))
        if slot > now and (not weekly or day.weekday() == 0):
            return slot
        day += dt.timedelta(days=1)


def first_due(frequency: str, now: dt.datetime) -> dt.datetime:
    """When a newly confirmed (or re-scheduled) subscription is first due."""
    if frequency == Frequency.IMMEDIATE:
        return now
    return _next_slot(now, weekly=frequency == Frequency.WEEKLY)


def next_due(frequency: str, now: dt.datetime, *, sent: bool) -> dt.datetime:
    """When a subscription handled by the run at `now` is next due."""
    if frequency == Frequency.IMMEDIATE:
        return now + BUNDLE if sent else now
    return _next_slot(now, weekly=frequency == Frequency.WEEKLY)
