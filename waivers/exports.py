"""One definition of a waiver as exported: the CSV and JSON downloads of a
search and the API share the column names and values below. The CSV is
written by PostgreSQL itself (see copy_csv), from the same values.

Only public fields of `Waiver` and its public relations (agencies, NAICS,
PSC) appear; nothing from `WaiverInternal` is read. Column names are a public
interface (people build spreadsheets on them): add columns, never rename.

Enumerated values are exported as their stable codes, the same values the
search parameters take (e.g. `type=nonavailability`, `status=in_review`).
Dates are ISO 8601 (`YYYY-MM-DD`), timestamps ISO 8601 with offset. In the
CSV, lists (PIIDs, countries) are joined with ";", a missing value is empty;
in the JSON they are arrays and a missing value is null.
"""

import json
from collections.abc import Callable, Iterator, Sequence

from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.db.models import Expression, F, Func, TextField, Value
from django.db.models.functions import Coalesce

from waivers.models import Waiver

# Rows fetched per database round trip (JSON), or handed on in one block (CSV),
# while streaming: a few MB at most.
CHUNK_SIZE = 2000
LIST_SEPARATOR = ";"

# (column name, description) — the documented export format, in column order.
COLUMNS: list[tuple[str, str]] = [
    ("public_id", "Stable public identifier, e.g. MIA-7KQ3M9XD"),
    ("url", "Address of the waiver's page"),
    ("type", "Waiver type code: " + ", ".join(Waiver.Type.values)),
    ("status", "Status code: " + ", ".join(s for s in Waiver.Status.values if s != "draft")),
    ("title", "Procurement title"),
    ("summary", "Summary of procurement"),
    ("rationale", "Waiver rationale summary"),
    ("contracting_agency_code", "Contracting office agency, FPDS sub-tier code"),
    ("contracting_agency_name", "Contracting office agency name"),
    ("contracting_department_code", "Department (CGAC code) of the contracting agency"),
    ("contracting_department_name", "Department name of the contracting agency"),
    ("funding_agency_code", "Funding agency code"),
    ("funding_agency_name", "Funding agency name"),
    ("naics_code", "NAICS code"),
    ("naics_title", "NAICS title"),
    ("psc_code", "Product and Service Code"),
    ("psc_name", "PSC name"),
    ("stage", "Procurement stage code: " + ", ".join(Waiver.ProcurementStage.values)),
    ("coverage", "Waiver coverage code: " + ", ".join(Waiver.Coverage.values)),
    ("duration", "Expected maximum duration code: " + ", ".join(Waiver.Duration.values)),
    ("sources_sought", "Sources sought or RFI issued (true/false; empty when not stated)"),
    ("price_preference_included", "Solicitation announces a price preference (true/false)"),
    ("piids", "Procurement instrument identifiers (';'-joined in CSV)"),
    ("solicitation_id", "Solicitation ID"),
    ("countries", "Countries of origin, ISO 3166-1 alpha-2 (';'-joined in CSV)"),
    ("submitted_at", "When the waiver was posted (review clock start)"),
    ("review_due_date", "Date MIAO's review is due (15 business days after posting)"),
    ("determination", "OMB determination code: " + ", ".join(Waiver.Determination.values)),
    ("conditions", "Conditions of a conditionally consistent determination"),
    ("explanation", "Explanation of an inconsistent determination"),
    ("determined_at", "When the determination was recorded"),
    ("final_decision", "Agency's final decision code: " + ", ".join(Waiver.FinalDecision.values)),
    ("final_decision_date", "Date of the final decision"),
    ("withdrawn_at", "When the agency withdrew the waiver"),
]
FIELD_NAMES = [name for name, _ in COLUMNS]


def export_queryset(queryset):
    """The relations an exported row reads, joined in the same query."""
    return queryset.select_related(
        "contracting_agency__parent", "funding_agency", "naics", "psc"
    ).defer("search_vector")


def _code(agency) -> str | None:
    return agency.code if agency else None


def _name(agency) -> str | None:
    return agency.name if agency else None


def waiver_row(waiver: Waiver, absolute_url: Callable[[str], str]) -> dict:
    """One waiver as an export row: native values (lists, dates, None)."""
    contracting = waiver.contracting_agency
    department = contracting.parent if contracting.parent_id else None
    psc = waiver.psc
    row = {
        "public_id": waiver.public_id,
        "url": absolute_url(waiver.get_absolute_url()),
        "type": waiver.waiver_type,
        "status": waiver.status,
        "title": waiver.procurement_title,
        "summary": waiver.summary,
        "rationale": waiver.rationale,
        "contracting_agency_code": contracting.code,
        "contracting_agency_name": contracting.name,
        "contracting_department_code": _code(department),
        "contracting_department_name": _name(department),
        "funding_agency_code": _code(waiver.funding_agency),
        "funding_agency_name": _name(waiver.funding_agency),
        "naics_code": waiver.naics_id,
        "naics_title": waiver.naics.title if waiver.naics else None,
        "psc_code": waiver.psc_id,
        "psc_name": psc.display_name if psc else None,
        "stage": waiver.procurement_stage or None,
        "coverage": waiver.coverage or None,
        "duration": waiver.expected_duration or None,
        "sources_sought": waiver.sources_sought,
        "price_preference_included": waiver.price_preference_included,
        "piids": list(waiver.piids),
        "solicitation_id": waiver.solicitation_id or None,
        "countries": list(waiver.countries),
        "submitted_at": waiver.submitted_at,
        "review_due_date": waiver.review_due_date,
        "determination": waiver.determination or None,
        "conditions": waiver.determination_conditions or None,
        "explanation": waiver.determination_explanation or None,
        "determined_at": waiver.determined_at,
        "final_decision": waiver.final_decision or None,
        "final_decision_date": waiver.final_decision_date,
        "withdrawn_at": waiver.withdrawn_at,
    }
    return row


# The values of an export row, read as plain tuples (row_from_values) instead
# of model instances with their related rows: several times faster on large
# exports, and ~2 ms less per API list page of 25 rows.
ROW_VALUES = (
    "public_id",
    "waiver_type",
    "status",
    "procurement_title",
    "summary",
    "rationale",
    "contracting_agency__code",
    "contracting_agency__name",
    "contracting_agency__parent__code",
    "contracting_agency__parent__name",
    "funding_agency__code",
    "funding_agency__name",
    "naics_id",
    "naics__title",
    "psc_id",
    "psc__full_name",
    "psc__name",
    "procurement_stage",
    "coverage",
    "expected_duration",
    "sources_sought",
    "price_preference_included",
    "piids",
    "solicitation_id",
    "countries",
    "submitted_at",
    "review_due_date",
    "determination",
    "determination_conditions",
    "determination_explanation",
    "determined_at",
    "final_decision",
    "final_decision_date",
    "withdrawn_at",
)
_ROW_LENGTH = len(ROW_VALUES)
# Stands for a waiver's public id in an address (it fits the URL converter).
PUBLIC_ID_PLACEHOLDER = "ID-PLACEHOLDER"


def url_template(absolute_url: Callable[[str], str]) -> str:
    """The absolute address of a waiver's page, PUBLIC_ID_PLACEHOLDER for its id."""
    return absolute_url(Waiver(public_id=PUBLIC_ID_PLACEHOLDER).get_absolute_url())


def row_from_values(values: Sequence, url: str) -> dict:
    """waiver_row() of a waiver read as values: `values` starts with the
    ROW_VALUES of the waiver (more may follow), `url` is url_template()."""
    (
        public_id,
        waiver_type,
        status,
        title,
        summary,
        rationale,
        agency_code,
        agency_name,
        department_code,
        department_name,
        funding_code,
        funding_name,
        naics_id,
        naics_title,
        psc_id,
        psc_full_name,
        psc_name,
        stage,
        coverage,
        duration,
        sources_sought,
        price_preference,
        piids,
        solicitation_id,
        countries,
        submitted_at,
        review_due_date,
        determination,
        conditions,
        explanation,
        determined_at,
        final_decision,
        final_decision_date,
        withdrawn_at,
    ) = values[:_ROW_LENGTH]
    return {
        "public_id": public_id,
        "url": url.replace(PUBLIC_ID_PLACEHOLDER, public_id),
        "type": waiver_type,
        "status": status,
        "title": title,
        "summary": summary,
        "rationale": rationale,
        "contracting_agency_code": agency_code,
        "contracting_agency_name": agency_name,
        "contracting_department_code": department_code,
        "contracting_department_name": department_name,
        "funding_agency_code": funding_code,
        "funding_agency_name": funding_name,
        "naics_code": naics_id,
        "naics_title": naics_title if naics_id else None,
        "psc_code": psc_id,
        "psc_name": (psc_full_name or psc_name) if psc_id else None,
        "stage": stage or None,
        "coverage": coverage or None,
        "duration": duration or None,
        "sources_sought": sources_sought,
        "price_preference_included": price_preference,
        "piids": list(piids),
        "solicitation_id": solicitation_id or None,
        "countries": list(countries),
        "submitted_at": submitted_at,
        "review_due_date": review_due_date,
        "determination": determination or None,
        "conditions": conditions or None,
        "explanation": explanation or None,
        "determined_at": determined_at,
        "final_decision": final_decision or None,
        "final_decision_date": final_decision_date,
        "withdrawn_at": withdrawn_at,
    }


def export_rows(queryset, absolute_url: Callable[[str], str]) -> Iterator[dict]:
    """waiver_row() of every waiver in the queryset (same keys and values),
    built from plain values fetched in chunks."""
    url = url_template(absolute_url)
    for values in queryset.values_list(*ROW_VALUES).iterator(chunk_size=CHUNK_SIZE):
        yield row_from_values(values, url)


def stream_json(queryset, absolute_url: Callable[[str], str]) -> Iterator[str]:
    """A JSON array of row objects, produced piece by piece."""
    yield "["
    separator = "\n"
    for row in export_rows(queryset, absolute_url):
        yield separator + json.dumps(row, cls=DjangoJSONEncoder)
        separator = ",\n"
    yield "\n]\n"


# --- CSV written by PostgreSQL ------------------------------------------------
# The CSV download is produced by the database itself: `COPY (<the export's
# SELECT>) TO STDOUT (FORMAT csv)`, streamed to the client row block by row
# block. Building 34 cells a row in Python bounded the export at about 20,000
# rows/s; COPY leaves Python only the handing on of bytes. The SELECT is the
# filtered queryset itself (its WHERE, joins and ORDER BY are the ORM's), with
# every column below written as SQL giving the same text as `waiver_row()`
# in a CSV cell. Empty text is made NULL because COPY quotes an empty string
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


class _Concat(_Cell):
    template = "(%(expressions)s)"
    arg_joiner = " || "


def address(url: str) -> _Concat:
    """Each row's absolute address, from `url`: the address of a row whose
    public_id is PUBLIC_ID_PLACEHOLDER. Its two parts go to the database as
    parameters (they hold the request's host name)."""
    prefix, suffix = url.split(PUBLIC_ID_PLACEHOLDER)
    return _Concat(Value(prefix), F("public_id"), Value(suffix))


def timestamp_cell(field: str) -> _Timestamp:
    return _Timestamp(F(field))


def csv_columns(absolute_url: Callable[[str], str]) -> dict[str, Expression]:
    """The export's columns (FIELD_NAMES, in order) as SQL expressions giving
    the text of each CSV cell: the same values as waiver_row()."""
    return {
        "public_id": _Text(F("public_id")),
        "url": address(url_template(absolute_url)),
        "type": _Text(F("waiver_type")),
        "status": _Text(F("status")),
        "title": _Text(F("procurement_title")),
        "summary": _Text(F("summary")),
        "rationale": _Text(F("rationale")),
        "contracting_agency_code": _Text(F("contracting_agency__code")),
        "contracting_agency_name": _Text(F("contracting_agency__name")),
        "contracting_department_code": _Text(F("contracting_agency__parent__code")),
        "contracting_department_name": _Text(F("contracting_agency__parent__name")),
        "funding_agency_code": _Text(F("funding_agency__code")),
        "funding_agency_name": _Text(F("funding_agency__name")),
        "naics_code": _Text(F("naics_id")),
        "naics_title": _Text(F("naics__title")),
        "psc_code": _Text(F("psc_id")),
        "psc_name": Coalesce(
            _Text(F("psc__full_name")), _Text(F("psc__name")), output_field=TextField()
        ),
        "stage": _Text(F("procurement_stage")),
        "coverage": _Text(F("coverage")),
        "duration": _Text(F("expected_duration")),
        "sources_sought": _Boolean(F("sources_sought")),
        "price_preference_included": _Boolean(F("price_preference_included")),
        "piids": _List(F("piids"), Value(LIST_SEPARATOR)),
        "solicitation_id": _Text(F("solicitation_id")),
        "countries": _List(F("countries"), Value(LIST_SEPARATOR)),
        "submitted_at": timestamp_cell("submitted_at"),
        "review_due_date": _Date(F("review_due_date")),
        "determination": _Text(F("determination")),
        "conditions": _Text(F("determination_conditions")),
        "explanation": _Text(F("determination_explanation")),
        "determined_at": timestamp_cell("determined_at"),
        "final_decision": _Text(F("final_decision")),
        "final_decision_date": _Date(F("final_decision_date")),
        "withdrawn_at": timestamp_cell("withdrawn_at"),
    }


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
