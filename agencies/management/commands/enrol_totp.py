"""Enrol a staff account's authenticator app (TOTP, django-otp): the second
factor the admin asks for when STAFF_OTP_REQUIRED. Needs no verified device
of its own, so it also enrols the first superuser (docs/security.md)."""

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"
TRIES = 3


class Command(BaseCommand):
    help = (
        "Enrol USERNAME's authenticator app: shows a QR code (and the key, to type in), "
        "then asks for the code the app shows and keeps the device once the code is right."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an authenticator already enrolled (lost or new phone).",
        )

    def handle(self, *args, username, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        enrolled = TOTPDevice.objects.filter(user=user, confirmed=True)
        if enrolled.exists() and not replace:
            raise CommandError(
                f"{username} already has an authenticator enrolled; "
                "use --replace to enrol a new one instead."
            )
        if not user.is_staff:
            self.stderr.write(f"Note: {username} is not staff; the admin will not let them in.")

        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        url = device.config_url
        self.stdout.write("Scan this QR code with the authenticator app:\n")
        picture = io.StringIO()
        segno.make(url, error="m").terminal(out=picture, compact=True)
        self.stdout.write(picture.getvalue())
        self.stdout.write(f"\nOr add this address to the app: {url}\n")

        for _ in range(TRIES):
            code = input("Code the app shows now: ").strip().replace(" ", "")
            # At most TRIES codes, typed by the person at the terminal: no
            # pause between them (django-otp throttles a failed code).
            device.throttle_reset(commit=False)
            if code and device.verify_token(code):
                with transaction.atomic():
                    if replace:
                        enrolled.exclude(pk=device.pk).delete()
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                self.stdout.write(self.style.SUCCESS(f"Enrolled {username}'s authenticator."))
                return
            self.stderr.write("That code is not right; check the app's clock and try again.")
        device.delete()
        raise CommandError(f"Not enrolled: no right code in {TRIES} tries.")
