"""Writes the column tables of docs/exports.md and docs/api.md from the one
list of published columns (waivers.columns); --check only compares."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from waivers.columns import API_COLUMNS, EXPORT_COLUMNS, Column

BEGIN = "<!-- columns: written by `manage.py document_columns` from waivers/columns.py -->"
END = "<!-- end of columns -->"


def documents() -> dict[Path, tuple[Column, ...]]:
    """Each document with a column table, and the columns it lists."""
    docs = settings.BASE_DIR / "docs"
    return {docs / "exports.md": EXPORT_COLUMNS, docs / "api.md": API_COLUMNS}


def column_table(columns: tuple[Column, ...]) -> str:
    lines = ["| column | value | meaning |", "|---|---|---|"]
    for column in columns:
        value = column.kind.label + (", may be missing" if column.nullable else "")
        meaning = column.help_text.replace("|", "\\|")
        lines.append(f"| `{column.name}` | {value} | {meaning} |")
    return "\n".join(lines)


def with_column_table(text: str, columns: tuple[Column, ...]) -> str:
    """The document `text` with its table (between BEGIN and END) written anew."""
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        raise ValueError(f"the document needs one {BEGIN!r} and one {END!r} line")
    before, rest = text.split(BEGIN)
    _, after = rest.split(END)
    return f"{before}{BEGIN}\n{column_table(columns)}\n{END}{after}"


class Command(BaseCommand):
    help = (
        "Write the column tables of docs/exports.md and docs/api.md from waivers/columns.py "
        "(--check: fail if a table is out of date, write nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only compare; write nothing.")

    def handle(self, *args, check: bool = False, **options):
        stale = []
        for path, columns in documents().items():
            text = path.read_text()
            try:
                written = with_column_table(text, columns)
            except ValueError as error:
                raise CommandError(f"{path}: {error}") from error
            if written == text:
                continue
            stale.append(path.name)
            if not check:
                path.write_text(written)
                self.stdout.write(f"wrote the column table of {path}")
        if check and stale:
            raise CommandError(
                f"Out of date: {', '.join(stale)}. Run `manage.py document_columns`."
            )
