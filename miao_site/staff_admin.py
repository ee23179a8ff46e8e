"""The staff admin site: a password and, when STAFF_OTP_REQUIRED (always in
production), the one-time code of an enrolled authenticator for every staff
account. Logins are throttled by django-axes (settings, docs/security.md).

Failures never say which part was wrong or whether the account exists: a
wrong password, an unknown user, a wrong or missing code and a locked-out
pair all get the same answers. A wrong code counts towards the lockout like
a wrong password.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import render
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.throttling import BaseThrottle

ENROL_HINT = (
    "This account has no authenticator enrolled yet. Ask an administrator to enrol one "
    "(manage.py enrol_totp USERNAME)."
)


def client_address(request) -> str:
    """The client's address as the API's rate limits see it (API_NUM_PROXIES
    says how many X-Forwarded-For entries to trust): django-axes counts
    login failures per username and this address."""
    return BaseThrottle().get_ident(request)


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers a locked-out username and address pair: one
    page (429), the same whether or not the account exists."""
    context = {
        "site_title": admin.site.site_title,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=429)


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form with the one-time code: six digits from the
    authenticator app (TOTP), or a recovery code (manage.py addstatictoken)."""

    otp_token = forms.CharField(
        label="One-time code",
        required=False,
        max_length=32,
        strip=True,
        help_text="The 6-digit code your authenticator app shows, or a recovery code.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct username, password and one-time code for a staff "
            "account. Note that both fields may be case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)  # an active staff account
        token = self.cleaned_data.get("otp_token", "").replace(" ", "")
        # The device row is locked while the code is checked, so one code
        # cannot be used twice by two logins at once.
        with transaction.atomic():
            device = self._device(user, token)
            verified = (
                device is not None
                and bool(token)
                and device.verify_is_allowed()[0]  # django-otp slows repeated failures
                and device.verify_token(token)
            )
        if device is None:
            raise forms.ValidationError(ENROL_HINT, code="no_device")
        if verified:
            user.otp_device = device  # django_otp records it in the session at login
            return
        # Counted by django-axes like a wrong password, and answered the same way.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=self.request
        )
        raise self.get_invalid_login_error()

    @staticmethod
    def _device(user, token: str):
        """The confirmed device the code is for: the authenticator (TOTP) for
        six digits, else a recovery-code (static) device."""
        kind = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
        devices = list(devices_for_user(user, for_verify=True))
        chosen = [d for d in devices if isinstance(d, kind)]
        return (chosen or devices or [None])[0]


class StaffAdminSite(admin.AdminSite):
    site_header = "Made in America waivers — staff"
    site_title = "MIAO waivers staff"
    login_template = "admin/staff_login.html"

    @property
    def login_form(self):
        return StaffLoginForm if settings.STAFF_OTP_REQUIRED else AdminAuthenticationForm

    def has_permission(self, request):
        """Staff, and (when STAFF_OTP_REQUIRED) verified by a second factor in
        this session: a session that logged in with a password alone, before
        the requirement was switched on, has to log in again."""
        if not super().has_permission(request):
            return False
        return not settings.STAFF_OTP_REQUIRED or request.user.is_verified()
