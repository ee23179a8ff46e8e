from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from miao_site.importing import UnreadableFile
from waivers.importers.miao import import_paths


class Command(BaseCommand):
    help = (
        "Import MIAO's published waiver data: the JSON exports (waivers-data.json, "
        "urgent-waivers-data.json) or the CSV download (waivers.csv), detected by content. "
        "Re-importing updates records by source id and never duplicates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do the whole import and report it, then roll everything back.",
        )

    def handle(self, *args, paths: list[Path], dry_run: bool, **options):
        try:
            reports = import_paths(paths, dry_run=dry_run)
        except UnreadableFile as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        for report in reports:
            for line in report.lines():
                self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
