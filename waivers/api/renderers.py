"""CSV output of the list endpoints, and the choice between JSON and CSV.

CSV rows are the same values as the JSON `results`: one column per field (the
`fields` chosen, in order), lists joined with ";", booleans true/false, a
missing value empty, a text a spreadsheet would run as a formula with a
leading quote. Lists are streamed row by row from the database.
"""

import csv
from collections.abc import Iterable, Iterator

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from waivers.exports import LIST_SEPARATOR, defuse_formula

CHUNK_SIZE = 500


def csv_cell(value) -> str:
    """A JSON value as a CSV cell: the text PostgreSQL writes for the same
    column (waivers.exports.csv_cell), a text that a spreadsheet would run as
    a formula included."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return defuse_formula(LIST_SEPARATOR.join(str(item) for item in value))
    if isinstance(value, str):
        return defuse_formula(value)
    return str(value)


class _Echo:
    """A file-like object whose write() hands back what csv.writer built."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([csv_cell(row.get(name)) for name in columns])


class CSVRenderer(BaseRenderer):
    """Selected by ?format=csv or Accept: text/csv. List views stream CSV
    themselves; this renders the rare non-streamed payload (a list of rows)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        columns = list(rows[0]) if rows else []
        return "".join(csv_lines(columns, rows)).encode(self.charset)


class StrictContentNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a 400 naming `format` (DRF would answer 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        requested = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if requested:
            formats = [renderer.format for renderer in renderers]
            if requested not in formats:
                raise ValidationError(
                    {
                        "format": [
                            f"Unknown format {requested!r}; "
                            f"this endpoint offers: {', '.join(formats)}."
                        ]
                    }
                )
        return super().select_renderer(request, renderers, format_suffix)
