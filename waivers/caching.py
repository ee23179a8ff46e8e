"""Caching of expensive read-only aggregates (facet counts, stats, result
counts) with correct invalidation.

Every cache key contains the *data version*: the value of the database
sequence `waivers_data_version` (bumped on every write by the services, the
importer and the synthetic-data generator, see `bump()`)
together with the latest `updated_at` of any waiver (so a write through any
other path that saves a waiver also changes the version). A write therefore
makes every older entry unreachable at once, in every worker process, with no
list of keys to delete. Entries also expire after `TTL` seconds as a safety
net (e.g. a deletion made outside the services).

Reading the version costs one small query (a sequence read and an index-only
max()), well under a millisecond, once per request.

The part of a key that says *what* was computed is the SQL (with its
parameters) of the queryset the figure is computed from, so any filter, scope
or search that changes the rows changes the key.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.signals import request_finished, request_started
from django.db import connection

SEQUENCE = "waivers_data_version"
TTL = 600  # seconds
T = TypeVar("T")


def _version() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT last_value FROM {SEQUENCE}), "  # noqa: S608 - constant name
            "(SELECT max(updated_at) FROM waivers_waiver)"
        )
        sequence, updated = cursor.fetchone()
    return f"{sequence}:{updated.timestamp() if updated else 0}"


# Within one request the version is read once (facets, counts and stats of a
# page share it); outside requests (commands, shells) it is read every time.
_local = threading.local()


def _request_started(**kwargs) -> None:
    _local.in_request, _local.version = True, None


def _request_finished(**kwargs) -> None:
    _local.in_request, _local.version = False, None


request_started.connect(_request_started, dispatch_uid="waivers.caching.started")
request_finished.connect(_request_finished, dispatch_uid="waivers.caching.finished")


def data_version() -> str:
    """The current data version (see the module docstring)."""
    if not getattr(_local, "in_request", False):
        return _version()
    if _local.version is None:
        _local.version = _version()
    return _local.version


def bump() -> None:
    """Invalidate every cached aggregate. Call when writing waivers.

    The sequence moves at once (sequences ignore transactions). A page
    computed between this call and the writer's commit would still see the
    old rows under the new version; the other half of the version, the
    latest waiver updated_at, changes at the commit of any write that saves a
    waiver, so such an entry is never read again. (A deletion saves nothing:
    there that window is bounded by TTL.)"""
    _local.version = None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval('{SEQUENCE}')")


def queryset_key(prefix: str, queryset, *extra: str) -> str:
    """A cache key naming `prefix` over exactly the rows of `queryset`."""
    sql, params = queryset.order_by().query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params, extra)).encode("utf-8", "surrogatepass"))
    return f"waivers:{prefix}:{data_version()}:{digest.hexdigest()[:32]}"


def cached(key: str, compute: Callable[[], T]) -> T:
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


def cached_count(queryset) -> int:
    """queryset.count(), cached under the data version. The key names the rows
    only (no joins for display, no annotations), so the same search counted by
    the sort decision and by the paginator is counted once."""
    rows = queryset.values("pk")
    return cached(queryset_key("count", rows), rows.count)


class CachedCountPaginator(Paginator):
    """A Paginator whose total count is cached under the data version."""

    @cached_property
    def count(self) -> int:
        return cached_count(self.object_list)
