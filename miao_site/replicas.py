"""Reads from PostgreSQL streaming replicas (docs/decisions/0023).

With DATABASE_REPLICA_URLS set, settings add one database alias per replica
(`replica_1`, `replica_2`, ...). ReplicaMiddleware chooses, once per request,
where that request's reads go, and puts the choice in a context variable that
ReplicaRouter reads; nothing outlives the request.

A request reads from a replica only when all of these hold:

- it is a GET or HEAD, outside the admin;
- it carries no session cookie (a signed-in person, or anyone the site keeps
  a session for) and no recent-write cookie: every non-safe request (POST,
  PUT, PATCH, DELETE) sets that cookie for DATABASE_READ_YOUR_WRITES_SECONDS,
  so the writer's next reads see their own write (read-your-writes);
- the replica answered its last health check (re-checked every
  DATABASE_REPLICA_CHECK_SECONDS per process) and lagged at most
  DATABASE_REPLICA_MAX_LAG seconds;
- the replica has replayed at least the primary's data version, read for this
  request from the primary (one single-row read that the request's caching
  needs anyway). The validators (ETag, Last-Modified) and cache keys come
  from that version, so they never go backwards when reads move between
  servers, and a replica that has not yet caught up with them is not used.

Otherwise the request reads from the primary, with no error shown. Writes
always go to the primary.
"""

from __future__ import annotations

import logging
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.urls import reverse

from waivers import caching

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD")
# Set on every non-safe request: reads stay on the primary while it lasts.
RECENT_WRITE_COOKIE = "miao_recent_write"

# The alias this request reads from (the primary outside requests).
_read_alias: ContextVar[str] = ContextVar("read_database", default=DEFAULT_DB_ALIAS)

# A replica's lag: zero when it has replayed everything it received (an idle
# primary sends nothing, so the last replayed transaction may be old without
# any lag), else the age of the last transaction it replayed. A server that is
# not in recovery is not a replica; it reports no lag.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
       END
"""


class ReplicaRouter:
    """Reads go where ReplicaMiddleware sent this request; writes and
    migrations go to the primary."""

    def db_for_read(self, model, **hints):
        return _read_alias.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same database

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


@dataclass(frozen=True)
class Health:
    up: bool
    lag: float | None  # seconds; None when down
    in_recovery: bool | None
    checked_at: float  # time.monotonic()

    @property
    def usable(self) -> bool:
        return self.up and self.lag is not None and self.lag <= settings.DATABASE_REPLICA_MAX_LAG


# Per process: each replica's last health check.
_health: dict[str, Health] = {}


def check(alias: str) -> Health:
    """Check the replica `alias` now (connect, read its lag) and remember it."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
        health = Health(True, float(lag), bool(in_recovery), time.monotonic())
    except DatabaseError as error:
        logger.warning("Read replica %s is unavailable: %s", alias, type(error).__name__)
        connections[alias].close_if_unusable_or_obsolete()
        health = Health(False, None, None, time.monotonic())
    _health[alias] = health
    return health


def health(alias: str) -> Health:
    """The replica's health, checked at most every DATABASE_REPLICA_CHECK_SECONDS."""
    known = _health.get(alias)
    if (
        known is None
        or time.monotonic() - known.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS
    ):
        return check(alias)
    return known


def mark_down(alias: str) -> None:
    _health[alias] = Health(False, None, None, time.monotonic())
    connections[alias].close_if_unusable_or_obsolete()


def forget_health() -> None:
    """Forget every check (tests; a process that knows its replicas changed)."""
    _health.clear()


def _admin_prefix() -> str:
    return reverse("admin:index")


def must_use_primary(request) -> bool:
    """Whether this request's reads must see the primary's latest writes."""
    return (
        request.method not in SAFE_METHODS
        or request.path.startswith(_admin_prefix())
        # A session (every signed-in person has one) is not read here: reading
        # it would make every response vary on Cookie.
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or RECENT_WRITE_COOKIE in request.COOKIES
    )


def choose_read_database(request) -> str:
    """The alias this request reads from (see the module docstring)."""
    replicas = list(settings.DATABASE_REPLICAS)
    if not replicas or must_use_primary(request):
        return DEFAULT_DB_ALIAS
    random.shuffle(replicas)
    candidates = [alias for alias in replicas if health(alias).usable]
    if not candidates:
        return DEFAULT_DB_ALIAS
    # The primary's version for this request (memoised by DataVersionMiddleware).
    wanted = caching.data_version().number
    for alias in candidates:
        try:
            seen = caching.read_version(alias).number
        except DatabaseError:
            mark_down(alias)
            continue
        if seen >= wanted:
            return alias
    return DEFAULT_DB_ALIAS


def _pinned(content, alias: str):
    """A streamed body whose reads, made while it is sent (after the
    middleware has returned), go to the request's database too."""
    iterator = iter(content)
    while True:
        token = _read_alias.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _read_alias.reset(token)
        yield chunk


class ReplicaMiddleware:
    """Chooses the database this request reads from (ReplicaRouter reads the
    choice), and marks the client as a recent writer after a non-safe request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            # Also without replicas: a CDN in front passes requests carrying
            # it to the site (README), so the writer sees their write there too.
            response.set_cookie(
                RECENT_WRITE_COOKIE,
                "1",
                max_age=settings.DATABASE_READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
        alias = choose_read_database(request)
        request.read_database = alias
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if response.streaming and alias != DEFAULT_DB_ALIAS:
            response.streaming_content = _pinned(response.streaming_content, alias)
        return response
