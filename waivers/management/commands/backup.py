"""manage.py backup [--output FILE]: a consistent dump of the whole database
(miao_site.backups; docs/backups.md says how to restore it)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from miao_site.backups import BackupError, dump


class Command(BaseCommand):
    help = "Write a consistent dump of the database (pg_dump, custom format)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="File to write (default: var/backups/miao-<UTC date and time>.dump).",
        )

    def handle(self, *args, output: Path | None, **options):
        if output is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            output = settings.BASE_DIR / "var" / "backups" / f"miao-{stamp}.dump"
        if output.exists():
            raise CommandError(f"{output} exists; choose another --output.")
        try:
            written = dump(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        size = written.stat().st_size
        self.stdout.write(f"Wrote {written} ({size:,} bytes).")
