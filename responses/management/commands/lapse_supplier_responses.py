from django.core.management.base import BaseCommand

from responses.services import UNCONFIRMED_LAPSE, lapse_unconfirmed


class Command(BaseCommand):
    help = (
        "Delete supplier responses whose contact never confirmed them within "
        f"{UNCONFIRMED_LAPSE.days} days, with their contact details. Schedule it daily."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"unconfirmed responses deleted: {lapse_unconfirmed()}")
