"""Caching headers and conditional requests for API responses.

Every successful GET carries Cache-Control (public, API_CACHE_MAX_AGE),
Last-Modified (when the public record last changed: the data version's
time, see waivers.caching) and an ETag: for JSON the hash of the body, for
streamed CSV a weak tag derived from the data version and the request.
If-None-Match / If-Modified-Since that still match get 304 Not Modified
with no body. Every write to the public tables, deletions included, moves
the data version, and with it both validators.
"""

import hashlib

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from waivers.caching import Version


def body_etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def request_etag(request, version: Version) -> str:
    """A weak tag for a streamed body: same data version, same request."""
    basis = f"{version.number}|{request.get_full_path()}|"
    basis += request.headers.get("Accept", "")
    return 'W/"' + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:40] + '"'


def apply_caching(request, response, version: Version):
    """Add the caching headers to a 200 response; return a 304 when the
    client's copy is still current, else the response itself."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    etag = request_etag(request, version) if response.streaming else body_etag(response.content)
    response["ETag"] = etag
    last_modified = version.changed_at
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
