"""System checks of the security settings that `check --deploy` runs."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def staff_second_factor(app_configs, **kwargs):
    if settings.STAFF_OTP_REQUIRED:
        return []
    return [
        Warning(
            "STAFF_OTP_REQUIRED is off: staff log in to the admin with a password alone.",
            hint="Unset STAFF_OTP_REQUIRED (it is on unless DEBUG) and enrol each staff "
            "account (manage.py enrol_totp USERNAME; docs/security.md).",
            id="miao.W001",
        )
    ]
