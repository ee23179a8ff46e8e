"""Caching headers and conditional requests for API responses.

Every successful GET carries Cache-Control (public, API_CACHE_MAX_AGE),
Last-Modified (the latest change to any public data the API shows) and an
ETag: for JSON the hash of the body, for streamed CSV a weak tag derived from
Last-Modified and the request. If-None-Match / If-Modified-Since that still
match get 304 Not Modified with no body.

Last-Modified is read BEFORE the body is built, so a change made meanwhile
can only make it older than the body (the client re-fetches), never newer.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from agencies.models import Agency
from waivers.models import JonesActDetail, NaicsCode, PricePreference, PscCode, UrgentReport, Waiver

LAST_MODIFIED_KEY = "api:data-last-modified"
LAST_MODIFIED_TTL = 2  # seconds
# Tables whose rows the API shows; each has an updated_at column.
_SOURCES = (Waiver, Agency, NaicsCode, PscCode, PricePreference, JonesActDetail, UrgentReport)


def data_last_modified():
    """The latest updated_at across the tables the API reads.

    Kept in the cache for LAST_MODIFIED_TTL seconds, so most requests skip the
    query. A cached value can only be older than the data, never newer: the
    worst case is a 304 up to that many seconds late, well inside the
    Cache-Control max-age clients already accept.
    """
    value = cache.get(LAST_MODIFIED_KEY)
    if value is None:
        value = _query_last_modified()
        cache.set(LAST_MODIFIED_KEY, value, LAST_MODIFIED_TTL)
    return value


def _query_last_modified():
    tables = [connection.ops.quote_name(model._meta.db_table) for model in _SOURCES]
    parts = ", ".join(f"(SELECT max(updated_at) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT GREATEST(" + parts + ")")
        return cursor.fetchone()[0]


def body_etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def request_etag(request, last_modified) -> str:
    """A weak tag for a streamed body: same data version, same request."""
    basis = f"{last_modified.isoformat() if last_modified else ''}|{request.get_full_path()}|"
    basis += request.headers.get("Accept", "")
    return 'W/"' + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:40] + '"'


def apply_caching(request, response, last_modified):
    """Add the caching headers to a 200 response; return a 304 when the
    client's copy is still current, else the response itself."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.streaming:
        etag = request_etag(request, last_modified)
    else:
        etag = body_etag(response.content)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
    patch_vary_headers(response, ("Accept",))
    return get_conditional_response(
        request,
        etag=etag,
        last_modified=int(last_modified.timestamp()) if last_modified else None,
        response=response,
    )
