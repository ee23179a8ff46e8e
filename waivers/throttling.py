"""Rate limit of the site's downloads (/waivers/export.csv and .json): the
same data as the API, so the same kind of limit, per client address at
DOWNLOAD_RATE, counted like the API's (miao_site.ratelimit; see CACHE_URL and
API_NUM_PROXIES). Over the limit the answer is 429 with Retry-After."""

from django.conf import settings
from django.http import HttpResponse

from miao_site import ratelimit


def refused(request) -> HttpResponse | None:
    """A 429 when the client has used up its downloads, else None (and the
    request is counted)."""
    rate = settings.DOWNLOAD_RATE
    tally = ratelimit.count("downloads", ratelimit.client_address(request), rate)
    if tally.allowed:
        return None
    wait = tally.reset_in
    response = HttpResponse(
        f"Too many downloads from this address: at most {rate}. "
        f"Try again in {wait} seconds, or use the API (/api/).\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    return response
