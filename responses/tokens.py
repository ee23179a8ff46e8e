"""The signed link of a supplier response (miao_site.signed_links):
confirm carries the response's id and is valid for CONFIRM_DAYS (the
unconfirmed response lapses then)."""

import datetime as dt

from miao_site.signed_links import ExpiredLink, InvalidLink, LinkError, SignedLinks

CONFIRM_DAYS = 7

LINKS = SignedLinks("responses", {"confirm": dt.timedelta(days=CONFIRM_DAYS)})
make = LINKS.make
read = LINKS.read

__all__ = ["CONFIRM_DAYS", "ExpiredLink", "InvalidLink", "LinkError", "make", "read"]
