"""manage.py enrol_totp: enrols a staff account's authenticator app, the
first superuser's included (no verified device needed)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff import PASSWORD, code, staff_user

pytestmark = pytest.mark.django_db


def enrol(monkeypatch, username, *answers, replace=False):
    """Run the command; each prompt is answered from `answers`: "right" is
    the code the app would show, anything else is typed as it is."""
    typed = iter(answers)

    def answer(prompt):
        value = next(typed)
        if value == "right":
            device = TOTPDevice.objects.get(user__username=username, confirmed=False)
            return code(device)
        return value

    monkeypatch.setattr("builtins.input", answer)
    out = io.StringIO()
    args = ["enrol_totp", username, *(["--replace"] if replace else [])]
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_enrols_after_the_right_code_and_the_first_superuser_can_log_in(
    monkeypatch, client, settings
):
    settings.STAFF_OTP_REQUIRED = True
    staff_user("root", is_superuser=True)
    output = enrol(monkeypatch, "root", "123", "right")
    assert "otpauth://totp/MIAO%20waivers%3Aroot?secret=" in output
    assert "Enrolled root's authenticator." in output
    (device,) = TOTPDevice.objects.filter(user__username="root")
    assert device.confirmed
    response = client.post(
        "/admin/login/",
        {"username": "root", "password": PASSWORD, "otp_token": code(device, drift=1)},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_three_wrong_codes_enrol_nothing(monkeypatch):
    staff_user("staffer")
    with pytest.raises(CommandError, match="no right code in 3 tries"):
        enrol(monkeypatch, "staffer", "000001", "", "abc")
    assert not TOTPDevice.objects.exists()


def test_an_enrolled_authenticator_is_replaced_only_when_asked(monkeypatch):
    staff_user("staffer")
    enrol(monkeypatch, "staffer", "right")
    first = TOTPDevice.objects.get()
    with pytest.raises(CommandError, match="already has an authenticator"):
        enrol(monkeypatch, "staffer", "right")
    enrol(monkeypatch, "staffer", "right", replace=True)
    (device,) = TOTPDevice.objects.all()
    assert device.pk != first.pk and device.confirmed


def test_unknown_user(monkeypatch):
    with pytest.raises(CommandError, match="No user 'ghost'"):
        enrol(monkeypatch, "ghost")
