"""Rate limit of the site's downloads (/waivers/export.csv and .json): the
same data as the API, so the same kind of limit, per client address at
DOWNLOAD_RATE, counted in the Django cache like the API's (see CACHE_URL and
API_NUM_PROXIES). Over the limit the answer is 429 with Retry-After."""

import math

from django.conf import settings
from django.http import HttpResponse
from rest_framework.throttling import SimpleRateThrottle


class DownloadRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.DOWNLOAD_RATE

    def get_cache_key(self, request, view):
        return f"throttle_download_{self.get_ident(request)}"


def refused(request) -> HttpResponse | None:
    """A 429 when the client has used up its downloads, else None (and the
    request is counted)."""
    throttle = DownloadRateThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = math.ceil(throttle.wait() or 1)
    response = HttpResponse(
        f"Too many downloads from this address: at most {throttle.rate}. "
        f"Try again in {wait} seconds, or use the API (/api/).\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    return response
