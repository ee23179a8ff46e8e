"""Signed links (django.core.signing, keyed by SECRET_KEY): nothing in a link
can be changed without breaking its signature, and each purpose has its own
salt, so a link made for one purpose is refused for another.

- confirm: a subscription id; valid for CONFIRM_DAYS (the request lapses then).
- unsubscribe: a subscription id; never expires (it is in every message).
- manage: a subscriber id; valid for MANAGE_HOURS.
"""

import datetime as dt

from django.core import signing

CONFIRM_DAYS = 7
MANAGE_HOURS = 48

MAX_AGE = {
    "confirm": dt.timedelta(days=CONFIRM_DAYS),
    "unsubscribe": None,
    "manage": dt.timedelta(hours=MANAGE_HOURS),
}


class LinkError(Exception):
    """A link that cannot be used."""


class InvalidLink(LinkError):
    """Tampered with, truncated, or made for another purpose."""


class ExpiredLink(LinkError):
    """Genuine, but older than its purpose allows."""


def make(purpose: str, pk: int) -> str:
    if purpose not in MAX_AGE:
        raise ValueError(f"Unknown link purpose {purpose!r}")
    return signing.dumps(pk, salt=f"alerts.{purpose}")


def read(purpose: str, token: str) -> int:
    """The id a link carries; raises InvalidLink or ExpiredLink."""
    try:
        value = signing.loads(token, salt=f"alerts.{purpose}", max_age=MAX_AGE[purpose])
    except signing.SignatureExpired:
        raise ExpiredLink(purpose) from None
    except signing.BadSignature:
        raise InvalidLink(purpose) from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidLink(purpose)
    return value
