"""Signed links for mail (django.core.signing, keyed by SECRET_KEY): nothing
in a link can be changed without breaking its signature, and each purpose
of each app has its own salt ("alerts.confirm", "responses.confirm", ...),
so a link made for one purpose is refused for another. A link carries one id.

Each app declares its purposes and how long their links last once
(alerts.tokens, responses.tokens) and reads them back with `read`, which
raises InvalidLink or ExpiredLink."""

import datetime as dt

from django.core import signing


class LinkError(Exception):
    """A link that cannot be used."""


class InvalidLink(LinkError):
    """Tampered with, truncated, or made for another purpose."""


class ExpiredLink(LinkError):
    """Genuine, but older than its purpose allows."""


class SignedLinks:
    """The signed links of one app: `max_age` names its purposes and how
    long each link is valid (None: always)."""

    def __init__(self, namespace: str, max_age: dict[str, dt.timedelta | None]):
        self.namespace = namespace
        self.max_age = dict(max_age)

    def _salt(self, purpose: str) -> str:
        if purpose not in self.max_age:
            raise ValueError(f"Unknown link purpose {purpose!r}")
        return f"{self.namespace}.{purpose}"

    def make(self, purpose: str, pk: int) -> str:
        return signing.dumps(pk, salt=self._salt(purpose))

    def read(self, purpose: str, token: str) -> int:
        """The id a link carries; raises InvalidLink or ExpiredLink."""
        try:
            value = signing.loads(token, salt=self._salt(purpose), max_age=self.max_age[purpose])
        except signing.SignatureExpired:
            raise ExpiredLink(purpose) from None
        except signing.BadSignature:
            raise InvalidLink(purpose) from None
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidLink(purpose)
        return value
