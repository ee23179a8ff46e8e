"""Rate limits per client, counted in the Django cache (see CACHE_URL).

Anonymous clients are counted per IP address (API_NUM_PROXIES says which
X-Forwarded-For entry is the client) at API_RATE_ANON; clients sending a valid
X-Api-Key are counted per key at API_RATE_KEY. Every response says where the
client stands (X-RateLimit-Limit, X-RateLimit-Remaining); over the limit the
answer is 429 with Retry-After (seconds).
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from waivers.api.models import ApiKey


class ApiRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_RATE_ANON

    def allow_request(self, request, view):
        key = request.auth if isinstance(request.auth, ApiKey) else None
        self.rate = settings.API_RATE_KEY if key else settings.API_RATE_ANON
        self.num_requests, self.duration = self.parse_rate(self.rate)
        allowed = super().allow_request(request, view)
        # Shown to the client as X-RateLimit-Limit / X-RateLimit-Remaining.
        request.rate_limit = (self.num_requests, max(0, self.num_requests - len(self.history)))
        return allowed

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"throttle_api_key_{request.auth.pk}"
        return f"throttle_api_anon_{self.get_ident(request)}"
