"""/healthz for load balancers: the primary database, each read replica and
the cache, checked afresh on every call (docs/decisions/0023).

200 when the primary and the cache work (the site can serve and write);
503 otherwise. A replica that is down or lagging does not fail the check:
reads then go to the primary (miao_site.replicas), and the body says so.
The body names no host, address, user or URL; it is never cached.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from miao_site import replicas
from waivers import caching


def _primary() -> dict:
    try:
        version = caching.read_version(DEFAULT_DB_ALIAS)
    except DatabaseError:
        connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
        return {"up": False}
    return {"up": True, "data_version": version.number}


def _replica(alias: str) -> dict:
    health = replicas.check(alias)  # afresh; also refreshes the router's view
    report = {"up": health.up, "lag_seconds": health.lag, "used_for_reads": health.usable}
    if health.up:
        try:
            report["data_version"] = caching.read_version(alias).number
        except DatabaseError:
            report.update(up=False, lag_seconds=None, used_for_reads=False)
    return report


def _cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", 10)
        up = cache.get(key) == "ok"
        cache.delete(key)
    except Exception:  # noqa: BLE001 - any failure of the backend means down
        up = False
    return {"up": up}


@never_cache
@require_safe
def healthz(request):
    started = time.monotonic()
    primary = _primary()
    replica_reports = {alias: _replica(alias) for alias in settings.DATABASE_REPLICAS}
    shared_cache = _cache()
    healthy = primary["up"] and shared_cache["up"]
    body = {
        "status": "ok" if healthy else "unavailable",
        "primary": primary,
        "replicas": replica_reports,
        "cache": shared_cache,
        "checked_in_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)
