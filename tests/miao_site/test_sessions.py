"""Staff sessions end after 30 idle minutes, 12 hours after logging in, and
with the browser (miao_site.sessions, settings)."""

import time

import pytest

from miao_site.sessions import LAST_SEEN, STARTED
from tests.staff import PASSWORD, staff_user

pytestmark = pytest.mark.django_db
MINUTE, HOUR = 60, 3600


@pytest.fixture
def staff(client, settings):
    settings.STAFF_OTP_REQUIRED = False
    user = staff_user(is_superuser=True)
    response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def rewind(client, **seconds_ago):
    """Pretend the session started / was last seen that many seconds ago."""
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"started": STARTED, "last_seen": LAST_SEEN}[key]] = now - ago
    session.save()


def admin_status(client) -> int:
    return client.get("/admin/").status_code


def test_the_session_cookie_ends_with_the_browser(staff):
    cookie = staff.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_a_login_starts_both_clocks(client, staff):
    session = client.session
    assert abs(session[STARTED] - time.time()) < 5
    assert session[LAST_SEEN] == session[STARTED]


def test_activity_keeps_the_session_open(client, staff):
    rewind(client, started=2 * HOUR, last_seen=29 * MINUTE)
    assert admin_status(client) == 200
    assert abs(client.session[LAST_SEEN] - time.time()) < 5  # seen again now


def test_thirty_idle_minutes_end_the_session(client, staff):
    rewind(client, last_seen=31 * MINUTE)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session
    # Logging in again starts afresh.
    assert client.post("/admin/login/", {"username": "staffer", "password": PASSWORD}).status_code
    assert admin_status(client) == 200


def test_twelve_hours_end_the_session_however_active(client, staff):
    rewind(client, started=12 * HOUR + MINUTE, last_seen=MINUTE)
    assert admin_status(client) == 302
    assert "_auth_user_id" not in client.session


def test_the_limits_are_settings(client, staff, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    rewind(client, last_seen=6 * MINUTE)
    assert admin_status(client) == 302


def test_visitors_of_the_public_site_get_no_session(client):
    for path in ("/", "/waivers/", "/api/v1/waivers/"):
        assert "sessionid" not in client.get(path).cookies
