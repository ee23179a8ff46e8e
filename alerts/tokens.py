"""The signed links of alerts (miao_site.signed_links):

- confirm: a subscription id; valid for CONFIRM_DAYS (the request lapses then).
- unsubscribe: a subscription id; never expires (it is in every message).
- manage: a subscriber id; valid for MANAGE_HOURS.
"""

import datetime as dt

from miao_site.signed_links import ExpiredLink, InvalidLink, LinkError, SignedLinks

CONFIRM_DAYS = 7
MANAGE_HOURS = 48

LINKS = SignedLinks(
    "alerts",
    {
        "confirm": dt.timedelta(days=CONFIRM_DAYS),
        "unsubscribe": None,
        "manage": dt.timedelta(hours=MANAGE_HOURS),
    },
)
make = LINKS.make
read = LINKS.read

__all__ = [
    "CONFIRM_DAYS",
    "MANAGE_HOURS",
    "ExpiredLink",
    "InvalidLink",
    "LinkError",
    "make",
    "read",
]
