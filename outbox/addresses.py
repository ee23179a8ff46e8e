"""Email addresses as the outbox and its callers compare them.

`normalise` is the form an address is stored and sent in; `address_key` is
what addresses are compared and counted by (rate limits, refusals, lookups):
a SHA-256 of the address in lower case, so an address written in other cases
is the same address, and tables and caches that only count need not keep it.
"""

import hashlib


def normalise(address: str) -> str:
    """The address as given, trimmed, with its domain in lower case (domains
    are case-insensitive; the local part is kept as the person typed it)."""
    local, at, domain = address.strip().rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else address.strip()


def address_key(address: str) -> str:
    return hashlib.sha256(normalise(address).lower().encode("utf-8")).hexdigest()
