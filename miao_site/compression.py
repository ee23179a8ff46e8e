"""Gzip for the public pages, never for a page holding a secret.

BREACH: when a compressed response holds both a secret and text the
requester chose (a search reflects its keywords), the size of the response
reveals, guess by guess, how much of the secret the guess matched. So a
response is compressed only when it carries no secret to find:

- not for a signed-in user (staff pages, the admin, its CSRF token and
  session-bound content);
- not when the page holds a CSRF token (a form that posts: following a
  search, managing alerts);
- not for the admin, whoever asks.

Public pages (search, waiver pages, statistics, the API guide and its JSON)
carry no secret and are compressed. Decision 0018.
"""

from django.middleware.gzip import GZipMiddleware

CSRF_FIELD = b'name="csrfmiddlewaretoken"'


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if _holds_a_secret(request, response):
            return response
        return super().process_response(request, response)


def _holds_a_secret(request, response) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if request.path.startswith("/admin/"):
        return True
    if response.streaming:
        return False  # downloads: public data only, no forms
    return CSRF_FIELD in response.content
