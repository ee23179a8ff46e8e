"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request and
STAFF_SESSION_MAX_HOURS after logging in (NIST SP 800-63B, AAL2
reauthentication); the cookie itself ends with the browser
(SESSION_EXPIRE_AT_BROWSER_CLOSE). Only logged-in staff have sessions."""

import time

from django.conf import settings
from django.contrib.auth import logout

STARTED = "staff_session_started"
LAST_SEEN = "staff_session_last_seen"
# The last-seen time is written at most this often (seconds): a session is
# not saved on every request, and idleness is measured to this precision.
RESOLUTION = 60


def start(sender, request, user, **kwargs):
    """Receiver of user_logged_in (connected by miao_site.apps): a login
    starts the session's clocks afresh, also when Django keeps the session's
    data across a login of the same user."""
    now = int(time.time())
    request.session[STARTED] = request.session[LAST_SEEN] = now


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is signed in; not reading the empty
        # session keeps anonymous pages free of Vary: Cookie (cacheable).
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            self.check(request, int(time.time()))
        return self.get_response(request)

    @staticmethod
    def check(request, now: int) -> None:
        session = request.session
        started = session.setdefault(STARTED, now)
        last_seen = session.get(LAST_SEEN, now)
        idle = now - last_seen > settings.STAFF_SESSION_IDLE_MINUTES * 60
        too_old = now - started > settings.STAFF_SESSION_MAX_HOURS * 3600
        if idle or too_old:
            logout(request)  # the session is emptied; the admin asks for a login again
        elif LAST_SEEN not in session or now - last_seen >= RESOLUTION:
            session[LAST_SEEN] = now
