"""Staff accounts with a second factor, for tests of the admin with
STAFF_OTP_REQUIRED on (it is off in development and tests unless a test
turns it on; production always has it)."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"


def staff_user(username: str = "staffer", **fields):
    from tests.factories import UserFactory

    user = UserFactory(username=username, is_staff=True, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def enrol(user) -> TOTPDevice:
    """A confirmed authenticator, as `manage.py enrol_totp` leaves it."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code(device: TOTPDevice, drift: int = 0) -> str:
    """The code the authenticator app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def verified_login(client, user) -> TOTPDevice:
    """Log `user` in with both factors done, as after a real login: for tests
    of what verified staff see, without going through the login form."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
