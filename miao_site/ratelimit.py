"""Rate limits on the site's public forms (alerts' follow and manage-link
requests, supplier responses), counted in the Django cache (CACHE_URL:
shared by every worker with Redis): per client address (as the API counts
it, honouring API_NUM_PROXIES) and per email address. Fixed windows: at most
N requests in each period. Each caller names its own scope ("alerts.client",
"responses.address", ...), so the limits of one form never count another's."""

import hashlib
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse(rate: str) -> tuple[int, int]:
    """`5/hour` -> (5, 3600); settings check the format (miao_site.env.env_rate)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period]


def client_address(request) -> str:
    return BaseThrottle().get_ident(request)


def allow(scope: str, ident: str, rate: str) -> bool:
    """Count one request for `ident` (hashed: the cache keeps no address);
    False once the rate is exceeded in the current window."""
    limit, period = parse(rate)
    window = int(time.time() // period)
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    key = f"rate:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count <= limit
