"""Optional API keys (X-Api-Key header). A key identifies a client for a
higher rate limit; it grants no other access. No key: anonymous. A key that
is unknown or revoked: 401, so a client notices rather than being silently
limited as anonymous."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from waivers.api.models import ApiKey, hash_key

HEADER = "X-Api-Key"
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw = request.headers.get(HEADER)
        if raw is None:
            return None
        key = ApiKey.objects.active().filter(hashed_key=hash_key(raw.strip())).first()
        if key is None:
            raise AuthenticationFailed("Unknown or revoked API key (X-Api-Key).")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return AnonymousUser(), key

    def authenticate_header(self, request):
        return f'ApiKey header="{HEADER}"'
