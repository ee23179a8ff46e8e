from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.demo import seed_demo_waivers
from miao_site.importing import UnreadableFile
from waivers.importers.miao import import_paths

# MIAO's published files: the current record (2021-2026) and the 2022 files,
# merged by source id (any order gives the same record; decision 0016).
MIAO_FILES = (
    "waivers-export-2026-03-09.csv",
    "waivers-data.json",
    "urgent-waivers-data.json",
    "waivers.csv",
)


class Command(BaseCommand):
    help = (
        "Load the reference lists, import MIAO's published record (the 2021-2026 export and "
        "the 2022 files) and add the hand-written demonstration waivers for the types and "
        "statuses that record lacks. Safe to run again: it changes nothing already there."
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
