"""Cache-Control and validators on every GET, so that a proxy or CDN in front
of several app servers can hold the public pages (docs/decisions/0023).

- A response that is personal stays `private`: it sets a cookie (a CSRF
  token for a form, a session, the recent-write cookie), varies on Cookie
  (the session was read), answers a request that carries a session or a
  recent-write cookie, or uses a CSP nonce (a nonce must not be shared).
- Any other successful GET or HEAD is `public, max-age=0,
  s-maxage=PAGE_CACHE_MAX_AGE, stale-while-revalidate=CACHE_STALE_WHILE_REVALIDATE`
  (browsers revalidate each time, shared caches hold it), with a strong ETag
  (the hash of the body, so it never names content it did not send, from
  whichever server) and answers 304 to an If-None-Match that still matches.
- A response that chose its own caching (the API's public responses with
  their validators, no-store on errors and rate limits, static files) keeps
  it; a public one gains stale-while-revalidate.
"""

import hashlib

from django.conf import settings
from django.utils.cache import (
    get_conditional_response,
    has_vary_header,
    patch_cache_control,
)

from miao_site.replicas import RECENT_WRITE_COOKIE, SAFE_METHODS


def is_personal(request, response) -> bool:
    return bool(
        response.cookies
        or has_vary_header(response, "Cookie")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or RECENT_WRITE_COOKIE in request.COOKIES
        or "'nonce-" in response.get("Content-Security-Policy", "")
    )


class CacheHeadersMiddleware:
    """First in MIDDLEWARE: it sees the cookies and Vary that the others add."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS or response.status_code not in (200, 304):
            return response
        chosen = response.get("Cache-Control", "")
        if is_personal(request, response):
            if not chosen or "public" in chosen:
                # patch_cache_control drops `public` when `private` is set.
                patch_cache_control(response, private=True, no_cache=True)
            return response
        if chosen:
            if "public" in chosen and "stale-while-revalidate" not in chosen:
                patch_cache_control(
                    response, stale_while_revalidate=settings.CACHE_STALE_WHILE_REVALIDATE
                )
            return response
        # Browsers revalidate every time (max-age=0; a matching ETag costs a
        # 304): someone who has just confirmed a response or followed a waiver
        # sees the page change at once. Shared caches hold it s-maxage.
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=settings.PAGE_CACHE_MAX_AGE,
            stale_while_revalidate=settings.CACHE_STALE_WHILE_REVALIDATE,
        )
        if response.streaming or response.status_code != 200:
            return response
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
        response["ETag"] = etag
        return get_conditional_response(request, etag=etag, response=response)
