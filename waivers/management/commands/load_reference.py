from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from agencies.loaders import load_agencies
from agencies.models import Agency
from miao_site.importing import UnreadableFile
from waivers.importers.codes import load_naics, load_psc
from waivers.models import NaicsCode, PscCode


class Command(BaseCommand):
    help = "Load agencies, NAICS and PSC codes from the reference CSV files (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help="Folder holding agencies.csv, naics-2017.csv and psc.csv "
            "(default: shared/data/reference).",
        )

    def handle(self, *args, path: Path | None, **options):
        folder = path or settings.SHARED_DATA_DIR / "reference"
        try:
            reports = [
                load_agencies(folder / "agencies.csv"),
                load_naics(folder / "naics-2017.csv"),
                load_psc(folder / "psc.csv"),
            ]
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        # Fresh statistics for the planner now, not when autovacuum next
        # passes (if it runs at all): joins to a list it believes near empty
        # are planned badly (docs/performance.md, "Statistics").
        with connection.cursor() as cursor:
            for model in (Agency, NaicsCode, PscCode):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        for report in reports:
            for line in report.lines():
                self.stdout.write(line)
