"""The site's downloads of a search: CSV and JSON, one row a waiver, with the
exported columns of waivers.columns (the API shows the same columns and
values). The CSV is written by PostgreSQL itself (see copy_csv).

In the CSV, lists (PIIDs, countries) are joined with ";", a missing value is
empty, booleans are true/false, and a text a spreadsheet would run as a
formula starts with a quote (defuse_formula); in the JSON lists are arrays, a
missing value is null and texts are as stored.
"""

import json
from collections.abc import Callable, Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, Func, TextField, Value
from django.db.models.functions import Cast

from waivers.columns import (
    EXPORT_COLUMNS,
    EXPORT_READER,
    PUBLIC_ID_PLACEHOLDER,
    Boolean,
    Choice,
    Column,
    Date,
    Integer,
    PageUrl,
    Text,
    TextList,
    Timestamp,
    Url,
    url_template,
)

# Rows fetched per database round trip (JSON), or handed on in one block (CSV),
# while streaming: a few MB at most.
CHUNK_SIZE = 2000
LIST_SEPARATOR = ";"
FIELD_NAMES = [column.name for column in EXPORT_COLUMNS]

# Spreadsheet formula injection (OWASP, "CSV Injection"): Excel, LibreOffice
# and Google Sheets read a cell whose text starts with one of these as a
# formula (=HYPERLINK(...), +cmd|..., -2+3, @SUM(...)). Every CSV cell holding
# such a text gets a leading single quote, which they show as text; the JSON
# keeps the stored text. PostgreSQL's cells follow the same rule (_Defused).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(text: str) -> str:
    """A CSV cell's text that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_queryset(queryset):
    """Waivers as the downloads and the API read them: without the search
    vector, which no output shows."""
    return queryset.defer("search_vector")


def stream_json(queryset, absolute_url: Callable[[str], str]) -> Iterator[str]:
    """A JSON array of row objects, produced piece by piece."""
    yield "["
    separator = "\n"
    for row in EXPORT_READER.rows(queryset, absolute_url, CHUNK_SIZE):
        yield separator + json.dumps(row)
        separator = ",\n"
    yield "\n]\n"


# --- CSV written by PostgreSQL ------------------------------------------------
# The CSV download is produced by the database itself: `COPY (<the export's
# SELECT>) TO STDOUT (FORMAT csv)`, streamed to the client row block by row
# block. Building 34 cells a row in Python bounded the export at about 20,000
# rows/s; COPY leaves Python only the handing on of bytes. The SELECT is the
# filtered queryset itself (its WHERE, joins and ORDER BY are the ORM's), with
# every column written as SQL giving the text of its published value
# (csv_cell). Empty text is made NULL because COPY quotes an empty string
# ("") but writes NULL as nothing, which is what Python's csv module writes.


class _Cell(Func):
    """A column's text exactly as the CSV cell shows it."""

    output_field = TextField()


class _Text(_Cell):
    template = "NULLIF(%(expressions)s, '')"


class _Boolean(_Cell):
    """true/false; NULL (not stated) stays an empty cell."""

    template = "CASE %(expressions)s WHEN true THEN 'true' WHEN false THEN 'false' END"


class _List(_Cell):
    """Array items joined with LIST_SEPARATOR; an empty array is an empty cell."""

    template = "NULLIF(array_to_string(%(expressions)s), '')"


class _Date(_Cell):
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"


class _Timestamp(_Cell):
    """What Python's isoformat() writes for the UTC datetime Django reads,
    e.g. 2024-03-05T14:30:00+00:00, with .ffffff only when the microseconds
    are not zero (the date and time parts hold no other ".000000")."""

    template = (
        "replace(to_char((%(expressions)s) AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')"
    )


class _Defused(_Cell):
    """A text cell with defuse_formula's leading quote. ascii() reads the
    code of the first character (NULL for NULL): no regular expression to
    run for every cell of a million rows."""

    trigger_codes = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        quoted = f"'''' || {sql}"
        return (
            f"CASE WHEN ascii({sql}) IN ({self.trigger_codes}) THEN {quoted} ELSE {sql} END",
            (*params, *params, *params),
        )


class _Concat(_Cell):
    template = "(%(expressions)s)"
    arg_joiner = " || "


def address(url: str, public_id: Expression) -> _Concat:
    """Each row's absolute address, from `url`: the address of a row whose
    public_id is PUBLIC_ID_PLACEHOLDER. Its two parts go to the database as
    parameters (they hold the request's host name)."""
    prefix, suffix = url.split(PUBLIC_ID_PLACEHOLDER)
    return _Concat(Value(prefix), public_id, Value(suffix))


def csv_cell(column: Column, absolute_url: Callable[[str], str]) -> Expression:
    """SQL giving the column's CSV cell: the text of its published value."""
    value = column.expression
    match column.kind:
        case Text() | Choice() | Url():
            return _Defused(_Text(value))
        case Integer():
            return _Text(Cast(value, TextField()))
        case Boolean():
            return _Boolean(value)
        case TextList():
            return _Defused(_List(value, Value(LIST_SEPARATOR)))
        case Date():
            return _Date(value)
        case Timestamp():
            return _Timestamp(value)
        case PageUrl(url_name=url_name):
            return address(url_template(url_name, absolute_url), value)
    raise TypeError(f"{column.name}: no CSV cell for {column.kind!r}")


def csv_columns(
    absolute_url: Callable[[str], str], columns: tuple[Column, ...] = EXPORT_COLUMNS
) -> dict[str, Expression]:
    """The columns (in order) as SQL expressions giving the text of each CSV
    cell: the same values as their published rows."""
    return {column.name: csv_cell(column, absolute_url) for column in columns}


_CRLF = b"\r\n"


def copy_statement(queryset, columns: dict[str, Expression]) -> str | None:
    """The `COPY (<the queryset's SELECT of the columns>) TO STDOUT` statement
    copy_csv() runs (also timed alone by the benchmark); None when the ORM
    already knows that nothing matches."""
    aliases = {f"export_{name}": expression for name, expression in columns.items()}
    select = queryset.annotate(**aliases).values_list(*aliases)
    connection = connections[select.db]
    try:
        sql, params = select.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return None
    # COPY takes no bind parameters: psycopg merges them into the statement,
    # quoted by its own adapters (never by string formatting).
    return connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params)


def copy_csv(queryset, columns: dict[str, Expression]) -> Iterator[bytes]:
    """CSV (header first, then one row per object of the queryset, in its
    order) written by PostgreSQL's COPY, in blocks of CHUNK_SIZE rows.

    Rows end in CR LF as Python's csv module (and RFC 4180) write them: COPY
    ends a row in LF, and libpq hands COPY data over one whole row at a time,
    so the last byte of each piece is that LF (a line break inside a quoted
    value is left as it is). The connection is busy until the
    generator ends; closing it early (the client went away) cancels the COPY
    and leaves the connection usable.
    """
    yield ",".join(columns).encode() + _CRLF
    statement = copy_statement(queryset, columns)
    if statement is None:
        return  # the ORM already knows nothing matches
    connection = connections[queryset.db]
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(statement) as copy,
    ):
        # One bytearray per block: each row is copied once (a join of
        # memoryviews plus the last CR LF was about 20% slower per row).
        block, rows = bytearray(), 0
        for row in copy:
            block += row[:-1]
            block += _CRLF
            rows += 1
            if rows == CHUNK_SIZE:
                yield bytes(block)
                block.clear()
                rows = 0
        if block:
            yield bytes(block)


def stream_csv(queryset, absolute_url: Callable[[str], str]) -> Iterator[bytes]:
    """The CSV download of a search: every waiver in the queryset."""
    return copy_csv(queryset, csv_columns(absolute_url))
