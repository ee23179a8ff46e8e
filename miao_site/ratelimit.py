"""Rate limits, all counted the same way: the API's per client and per key
(waivers.api.throttling), the site's downloads (waivers.throttling) and the
public forms' per client address and per email address (alerts, supplier
responses). Each caller names its own scope ("api.client", "alerts.client",
...), so one limit never counts another's requests.

Fixed windows: at most N requests in each period, the periods starting at
multiples of their length since the epoch; Retry-After is the time left in
the current window. The counters live where the default cache does, so every
worker shares them with Redis (CACHE_URL); with `locmem://` each process
counts its own.

With Redis, a request is counted in one round trip (INCR and EXPIRE in one
transaction), through a client of redis-py's own made once per process:
Django's cache takes three (ADD, then EXISTS and INCR) and builds a client
for each. (The API's limit was DRF's SimpleRateThrottle, which rewrote a
pickled log of the window's requests through the cache on every request: a
third of an API detail; issue 19, docs/performance.md.)
"""

import functools
import hashlib
import math
import time
from typing import NamedTuple

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"

# The clock the windows follow (tests pin it, so no window ends mid-test).
clock = time.time


class Tally(NamedTuple):
    """One request counted: the limit, the requests so far in the window
    (this one included) and the seconds until the window ends."""

    limit: int
    count: int
    reset_in: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def parse(rate: str) -> tuple[int, int]:
    """`5/hour` -> (5, 3600); settings check the format (miao_site.env.env_rate)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period]


def client_address(request) -> str | None:
    return BaseThrottle().get_ident(request)


def count(scope: str, ident: str | None, rate: str) -> Tally:
    """Count one request for `ident` (hashed: the store keeps no address or
    key; None, a client with no address, is counted as one) in `scope`'s
    current window."""
    limit, period = parse(rate)
    now = clock()
    window = int(now // period)
    digest = hashlib.sha256((ident or "").encode("utf-8")).hexdigest()[:32]
    key = f"rate:{scope}:{digest}:{window}"
    reset_in = max(1, math.ceil((window + 1) * period - now))
    # The key outlives its window by a second at most: a later window has another key.
    return Tally(limit, _increment(key, period + 1), reset_in)


def allow(scope: str, ident: str | None, rate: str) -> bool:
    """Count one request; False once the rate is exceeded in the current window."""
    return count(scope, ident, rate).allowed


def _increment(key: str, timeout: int) -> int:
    """Add one to the counter `key` (created at 1, expiring after `timeout`
    seconds); the new value."""
    redis_client = _redis_client(_default_cache_location())
    if redis_client is not None:
        full_key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{key}"
        with redis_client.pipeline() as transaction:
            value, _ = transaction.incr(full_key).expire(full_key, timeout).execute()
        return value
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _default_cache_location() -> str | None:
    """The default cache's Redis URL, or None when it is another backend."""
    default = settings.CACHES["default"]
    return default["LOCATION"] if default["BACKEND"] == REDIS_BACKEND else None


@functools.cache
def _redis_client(location: str | None):
    """One client (and connection pool) per process and Redis URL."""
    return None if location is None else redis.Redis.from_url(location)
