"""Rate limits per client, counted in fixed windows (miao_site.ratelimit).

Anonymous clients are counted per IP address (API_NUM_PROXIES says which
X-Forwarded-For entry is the client) at API_RATE_ANON; clients sending a valid
X-Api-Key are counted per key at API_RATE_KEY. Every response says where the
client stands (X-RateLimit-Limit, X-RateLimit-Remaining); over the limit the
answer is 429 with Retry-After (seconds until the window ends).
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from miao_site import ratelimit
from waivers.api.models import ApiKey


class ApiRateThrottle(BaseThrottle):
    reset_in: int | None = None

    def allow_request(self, request, view):
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key:
            tally = ratelimit.count("api.key", str(key.pk), settings.API_RATE_KEY)
        else:
            tally = ratelimit.count("api.client", self.get_ident(request), settings.API_RATE_ANON)
        # Shown to the client as X-RateLimit-Limit / X-RateLimit-Remaining.
        request.rate_limit = (tally.limit, tally.remaining)
        self.reset_in = tally.reset_in
        return tally.allowed

    def wait(self):
        return self.reset_in
