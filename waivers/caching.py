"""Caching of expensive read-only aggregates (facet counts, stats, result
counts, agency figures) and the validators of conditional requests, all
keyed by one data version.

The data version (waivers.models.DataVersion) is moved by the database in
the same transaction as every write to the public tables, deletions
included, so a cache key that contains it can never name rows that have
changed since: a write makes every older entry unreachable at once, in every
worker process, with no list of keys to delete. Entries also expire after
`TTL` seconds, which bounds the memory they take.

The version moves once per transaction, so a transaction that has written
to the public tables neither reads nor fills the cache until it commits
(`cached`, `queryset_key`). The version is read at most once per GET
request (DataVersionMiddleware), or taken from a statement that read it with
the request's rows (VERSION_ANNOTATIONS, remember_version), and on every
call outside requests (commands, shells). The part of a key that
says *what* was computed is the SQL (with its parameters) of the queryset
the figure is computed from, so any filter, scope or search that changes the
rows changes the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import NamedTuple, TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BigIntegerField, BooleanField, DateTimeField
from django.db.models.expressions import RawSQL

TTL = 600  # seconds
T = TypeVar("T")


class Version(NamedTuple):
    number: int
    changed_at: dt.datetime | None  # when the public record last changed
    # This connection's open transaction has written to the public tables:
    # what it reads is not yet what others see.
    uncommitted: bool = False


# The version row's columns as Version holds them, each with the name and
# field it has as an annotation (VERSION_ANNOTATIONS): read_version and the
# annotations read the same SQL.
_VERSION_COLUMNS = (
    ("version_number", "number", BigIntegerField()),
    ("version_changed_at", "changed_at", DateTimeField()),
    # This transaction moved the version: it has written to the public tables.
    (
        "version_uncommitted",
        "txid IS NOT DISTINCT FROM txid_current_if_assigned()",
        BooleanField(),
    ),
)
_VERSION_ROW = "FROM waivers_dataversion WHERE id = 1"


def read_version(using: str = DEFAULT_DB_ALIAS) -> Version:
    """The data version as the database `using` sees it now (the primary by
    default: validators never go backwards, see miao_site.replicas)."""
    columns = ", ".join(sql for _, sql, _ in _VERSION_COLUMNS)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {columns} {_VERSION_ROW}")  # noqa: S608 (constants)
        row = cursor.fetchone()
    return Version(*row) if row else Version(0, None)


# The data version as columns of another statement (in the same snapshot as
# that statement's rows): a request that reads its rows in one statement
# reads the version with them (remember_version) instead of in a round trip
# of its own.
VERSION_ANNOTATIONS = {
    name: RawSQL(f"SELECT {sql} {_VERSION_ROW}", (), output_field=field)  # noqa: S608, S611
    for name, sql, field in _VERSION_COLUMNS
}


def version_from(
    number: int | None, changed_at: dt.datetime | None, uncommitted: bool | None
) -> Version:
    """The Version of VERSION_ANNOTATIONS' values (all None: no version row,
    as read_version() says)."""
    if number is None:
        return Version(0, None)
    return Version(number, changed_at, bool(uncommitted))


# The version read for the current request (None outside requests).
_request_version: ContextVar[list | None] = ContextVar("data_version", default=None)


class DataVersionMiddleware:
    """Reads the data version at most once per reading request: the facets,
    counts, stats and validators of one response all share it. A request
    that may write reads it afresh each time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _request_version.set([])
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


def data_version() -> Version:
    """The current data version (see the module docstring)."""
    memo = _request_version.get()
    if memo is None:
        return read_version()
    if not memo:
        memo.append(read_version())
    return memo[0]


def remember_version(version: Version) -> None:
    """Take `version`, read with a request's own rows (VERSION_ANNOTATIONS), as
    the request's data version, unless the request has read one already (a
    replica's reads keep the primary's version, see miao_site.replicas)."""
    memo = _request_version.get()
    if memo is not None and not memo:
        memo.append(version)


def queryset_key(prefix: str, queryset, *extra: str) -> str:
    """A cache key naming `prefix` over exactly the rows of `queryset`. Inside
    a transaction that has written to the public tables, a key never seen
    before (so a cached template fragment is never shared or reused)."""
    sql, params = queryset.order_by().query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params, extra)).encode("utf-8", "surrogatepass"))
    version = data_version()
    number = (
        f"{version.number}-uncommitted-{uuid.uuid4().hex}"
        if version.uncommitted
        else version.number
    )
    return f"waivers:{prefix}:{number}:{digest.hexdigest()[:32]}"


def cached(key: str, compute: Callable[[], T]) -> T:
    """The value cached under `key`, computed and stored when missing. A
    transaction that has written to the public tables (the data version
    moves once per transaction) computes afresh and stores nothing until it
    commits: its figures include changes nobody else can see yet."""
    if data_version().uncommitted:
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value
