"""Logging in to the staff admin: a second factor when STAFF_OTP_REQUIRED
(always in production), lockout after repeated failures (django-axes), and
answers that never tell which part was wrong or whether the account exists."""

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from tests.staff import PASSWORD, code, enrol, staff_user, verified_login

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
GENERIC = "Please enter the correct username, password and one-time code for a staff account."


@pytest.fixture
def otp_required(settings):
    settings.STAFF_OTP_REQUIRED = True


def log_in(client, username, password=PASSWORD, otp_token="", address="10.1.1.1"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": otp_token, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


# --- the second factor ----------------------------------------------------------


def test_the_login_page_asks_for_the_one_time_code(client, otp_required):
    html = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' in html and 'autocomplete="one-time-code"' in html


def test_password_and_current_code_log_in(client, otp_required):
    device = enrol(staff_user())
    response = log_in(client, "staffer", otp_token=code(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)


@pytest.mark.parametrize("token", ["", "000000", "12345", "not-a-code"])
def test_a_password_alone_or_a_wrong_code_is_refused_like_a_wrong_password(
    client, otp_required, token
):
    device = enrol(staff_user())
    if token == "000000" and code(device) == "000000":
        token = "999999"
    response = log_in(client, "staffer", otp_token=token)
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    wrong_password = log_in(client, "staffer", password="wrong password", otp_token=code(device))
    unknown_user = log_in(client, "nosuchuser", otp_token=code(device))
    for other in (wrong_password, unknown_user):
        assert other.context["form"].errors == response.context["form"].errors
    assert not logged_in(client)


def test_a_code_is_used_once(client, otp_required):
    device = enrol(staff_user())
    token = code(device)
    assert log_in(client, "staffer", otp_token=token).status_code == 302
    client.logout()
    assert GENERIC in log_in(client, "staffer", otp_token=token).content.decode()


def test_a_recovery_code_logs_in_once(client, otp_required):
    user = staff_user()
    enrol(user)
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    static.token_set.create(token="k3x9pq7w")
    assert log_in(client, "staffer", otp_token="k3x9pq7w").status_code == 302
    client.logout()
    assert GENERIC in log_in(client, "staffer", otp_token="k3x9pq7w").content.decode()


def test_staff_without_an_authenticator_are_told_to_enrol(client, otp_required):
    staff_user()
    response = log_in(client, "staffer", otp_token="123456")
    assert "no authenticator enrolled" in response.content.decode()
    assert not logged_in(client)


def test_a_session_without_a_verified_second_factor_is_sent_to_log_in(client, otp_required):
    user = staff_user(is_superuser=True)
    enrol(user)
    client.force_login(user)  # a password-only session, e.g. from before the switch
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    verified_login(client, user)
    assert logged_in(client)


def test_without_the_requirement_a_password_is_enough(client, settings):
    settings.STAFF_OTP_REQUIRED = False
    staff_user()
    assert 'name="otp_token"' not in client.get(LOGIN).content.decode()
    assert log_in(client, "staffer").status_code == 302
    assert logged_in(client)


# --- lockout --------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def test_a_user_and_address_pair_is_locked_out_after_repeated_failures(client, limits, caplog):
    staff_user()
    for _ in range(2):
        assert log_in(client, "staffer", password="wrong").status_code == 200
    locked = log_in(client, "staffer", password="wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # The right password no longer helps, from this address.
    assert log_in(client, "staffer").status_code == 429
    assert not logged_in(client)
    # The lockout is logged.
    assert any(
        record.levelno == logging.WARNING and "locking out" in record.getMessage().lower()
        for record in caplog.records
    )
    # Another address is not locked out (the pair is).
    assert log_in(client, "staffer", address="10.2.2.2").status_code == 302


def test_the_lockout_ends_after_the_cooling_off_period(client, limits):
    staff_user()
    for _ in range(3):
        log_in(client, "staffer", password="wrong")
    assert log_in(client, "staffer").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert log_in(client, "staffer").status_code == 302
    assert logged_in(client)


def test_a_lockout_never_tells_whether_the_account_exists(client, limits):
    staff_user()
    answers = {}
    for username in ("staffer", "nosuchuser"):
        responses = [log_in(client, username, password="wrong") for _ in range(4)]
        answers[username] = [
            (r.status_code, r.context["form"].errors if r.status_code == 200 else r.content)
            for r in responses
        ]
    assert answers["staffer"] == answers["nosuchuser"]
    assert [status for status, _ in answers["staffer"]] == [200, 200, 429, 429]


def test_wrong_codes_count_towards_the_lockout(client, limits, otp_required):
    device = enrol(staff_user())
    for _ in range(3):
        log_in(client, "staffer", otp_token="000000" if code(device) != "000000" else "111111")
    assert log_in(client, "staffer", otp_token=code(device)).status_code == 429
