"""manage.py restore_backup FILE: load a dump written by `manage.py backup`
into the (new, empty) database DATABASE_URL names (docs/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from miao_site.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a dump of `manage.py backup` into an empty database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No dump at {file}.")
        try:
            restore(file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {file}.")
