from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.demo import seed_demo_waivers
from miao_site.importing import UnreadableFile
from waivers.importers.miao import import_paths

MIAO_FILES = ("waivers-data.json", "urgent-waivers-data.json", "waivers.csv")


class Command(BaseCommand):
    help = (
        "Load the reference lists, import MIAO's published files and add the hand-written "
        "demonstration waivers (every type, every status). Safe to run again: it adds nothing "
        "that is already there."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        call_command("load_reference", stdout=self.stdout, verbosity=verbosity)
        folder = settings.SHARED_DATA_DIR / "miao"
        try:
            reports = import_paths([folder / name for name in MIAO_FILES])
        except UnreadableFile as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        for report in reports:
            lines = report.lines() if verbosity > 1 else [report.summary()]
            for line in lines:
                self.stdout.write(line)
        created, present = seed_demo_waivers()
        self.stdout.write(f"demo waivers: created {created}, already present {present}")
