"""waivers.columns: the one list of published columns. Every output (the
site's CSV and JSON, the API's list, detail and CSV, the OpenAPI schema and
the docs) must say what the list says, in its names, order and values."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from rest_framework import serializers

from tests import site_data
from tests.waivers.search_catalogue import build_catalogue, build_edge_cases
from tests.waivers.test_exports import reference_cell
from waivers.api.serializers import column_field
from waivers.columns import (
    API_COLUMNS,
    COLUMNS,
    EXPORT_COLUMNS,
    Boolean,
    Choice,
    Column,
    ColumnReader,
    Date,
    Integer,
    PageUrl,
    Text,
    TextList,
    Timestamp,
    Url,
)
from waivers.exports import copy_csv, csv_cell, csv_columns
from waivers.management.commands import document_columns
from waivers.models import Waiver

HOST = "http://testserver"


def published(column: Column, value):
    """What a column publishes for the value its source reads: the
    documented format of its kind."""
    match column.kind:
        case PageUrl(url_name=url_name):
            return HOST + reverse(url_name, kwargs={"public_id": value})
        case Date() | Timestamp():
            return None if value is None else value.isoformat()
    if column.blank_is_null and value == "":
        return None
    return value


def expected_rows(columns) -> dict[str, dict]:
    """Every public waiver (by public id) as the list says it is published:
    each column's own source, read on its own alias."""
    aliases = {f"column_{i}": column.expression for i, column in enumerate(columns)}
    rows = {}
    for public_id, *values in (
        Waiver.objects.public().annotate(**aliases).values_list("public_id", *aliases)
    ):
        rows[public_id] = {
            column.name: published(column, value)
            for column, value in zip(columns, values, strict=True)
        }
    return rows


def names(columns) -> list[str]:
    return [column.name for column in columns]


def streamed(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def csv_by_id(text: str, columns) -> dict[str, list[str]]:
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert header == names(columns)
    return {row[0]: row for row in rows}


def cells(row: dict) -> list[str]:
    return [reference_cell(value) for value in row.values()]


@pytest.fixture
def waivers(db):
    build_catalogue()
    build_edge_cases()
    site_data.every_type()
    return Waiver.objects.public().count()


def test_site_csv_and_json_say_what_the_list_says(client, waivers):
    expected = expected_rows(EXPORT_COLUMNS)
    assert len(expected) == waivers > 10

    by_id = csv_by_id(streamed(client.get("/waivers/export.csv")), EXPORT_COLUMNS)
    assert by_id == {public_id: cells(row) for public_id, row in expected.items()}

    for row in json.loads(streamed(client.get("/waivers/export.json"))):
        assert list(row) == names(EXPORT_COLUMNS)
        assert row == expected[row["public_id"]]


def test_api_list_detail_and_csv_say_what_the_list_says(client, waivers):
    expected = expected_rows(API_COLUMNS)

    results = client.get("/api/v1/waivers/", {"page_size": 100}).json()["results"]
    assert len(results) == waivers
    for row in results:
        assert list(row) == names(API_COLUMNS)
        assert row == expected[row["public_id"]]
        detail = client.get(row["api_url"]).json()
        assert list(detail)[: len(API_COLUMNS)] == names(API_COLUMNS)
        assert {name: detail[name] for name in names(API_COLUMNS)} == row

    for params in ({"format": "csv"}, {"format": "csv", "page": 1, "page_size": 100}):
        response = client.get("/api/v1/waivers/", params)
        text = streamed(response) if response.streaming else response.content.decode()
        by_id = csv_by_id(text, API_COLUMNS)
        assert by_id == {public_id: cells(row) for public_id, row in expected.items()}


def test_schema_says_what_the_list_says(client):
    openapi = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = openapi["components"]["schemas"]
    detail = list(components["WaiverDetail"]["properties"])
    assert detail[: len(API_COLUMNS)] == names(API_COLUMNS)
    properties = components["Waiver"]["properties"]
    assert list(properties) == names(API_COLUMNS)
    for column in API_COLUMNS:
        schema = properties[column.name]
        assert schema["description"].startswith(column.help_text), column.name
        assert schema.get("nullable", False) is column.nullable, column.name
        match column.kind:
            case Choice(choices=choices):
                ref = schema["allOf" if not column.nullable else "oneOf"][0]["$ref"]
                enum = components[ref.rsplit("/", 1)[1]]["enum"]
                assert enum == [value for value, _ in choices], column.name
            case TextList(item_length=length):
                assert schema["type"] == "array"
                assert schema["items"].get("minLength") == length
            case _:
                shapes = {
                    Text: ("string", None),
                    Boolean: ("boolean", None),
                    Integer: ("integer", None),
                    Date: ("string", "date"),
                    Timestamp: ("string", "date-time"),
                    Url: ("string", "uri"),
                    PageUrl: ("string", "uri"),
                }
                expected = shapes[type(column.kind)]
                assert (schema["type"], schema.get("format")) == expected, column.name


def test_docs_say_what_the_list_says():
    for path, columns in document_columns.documents().items():
        text = path.read_text()
        assert text == document_columns.with_column_table(text, columns), (
            f"{path.name} is out of date: run `manage.py document_columns`"
        )
        for column in columns:
            assert f"| `{column.name}` | " in text


def test_document_columns_rewrites_a_stale_table_and_check_refuses_it(tmp_path, monkeypatch):
    doc = tmp_path / "exports.md"
    begin, end = document_columns.BEGIN, document_columns.END
    doc.write_text(f"# Columns\n\n{begin}\n| `public_id` | old |\n{end}\n\nAfter.\n")
    monkeypatch.setattr(document_columns, "documents", lambda: {doc: EXPORT_COLUMNS})
    with pytest.raises(CommandError, match="exports.md"):
        call_command("document_columns", "--check")
    call_command("document_columns", stdout=io.StringIO())
    text = doc.read_text()
    assert text.startswith(f"# Columns\n\n{begin}\n| column | value | meaning |\n")
    assert text.endswith(
        f"| `miao_finding` | text | MIAO's finding in one plain sentence |\n{end}\n\nAfter.\n"
    )
    call_command("document_columns", "--check")


# The names published so far, in their order. People build spreadsheets and
# programs on them: a column may be added after them, never renamed, moved
# or removed (docs/exports.md).
PUBLISHED = [
    "public_id",
    "url",
    "type",
    "status",
    "title",
    "summary",
    "rationale",
    "contracting_agency_code",
    "contracting_agency_name",
    "contracting_department_code",
    "contracting_department_name",
    "funding_agency_code",
    "funding_agency_name",
    "naics_code",
    "naics_title",
    "psc_code",
    "psc_name",
    "stage",
    "coverage",
    "duration",
    "sources_sought",
    "price_preference_included",
    "piids",
    "solicitation_id",
    "countries",
    "submitted_at",
    "review_due_date",
    "determination",
    "conditions",
    "explanation",
    "determined_at",
    "final_decision",
    "final_decision_date",
    "withdrawn_at",
]
PUBLISHED_IN_THE_API = [*PUBLISHED[:2], "api_url", *PUBLISHED[2:], "modified_at"]


def test_published_names_are_only_ever_added_to():
    assert names(EXPORT_COLUMNS)[: len(PUBLISHED)] == PUBLISHED
    assert names(API_COLUMNS)[: len(PUBLISHED_IN_THE_API)] == PUBLISHED_IN_THE_API


def test_export_columns_are_the_columns_without_the_api_only_ones():
    assert names(API_COLUMNS) == names(COLUMNS)
    assert names(EXPORT_COLUMNS) == [c.name for c in COLUMNS if not c.api_only]
    assert {c.name for c in COLUMNS if c.api_only} == {"api_url", "modified_at"}
    assert len(set(names(COLUMNS))) == len(COLUMNS)


def test_a_column_read_twice_is_fetched_once():
    reader = ColumnReader(API_COLUMNS, extra=("submitted_at", "id"))
    assert len(reader.fields) == len(set(reader.fields))
    assert reader.fields.count("public_id") == 1  # public_id, url and api_url
    assert reader.fields[-1] == "id"


@pytest.mark.parametrize("columns", [API_COLUMNS, EXPORT_COLUMNS], ids=["api", "export"])
def test_one_row_reads_what_values_reads(waivers, columns, django_assert_num_queries):
    """ColumnReader.one_public runs a prepared statement: it must give every
    public waiver's values exactly as the ORM's values() does (types
    included), and None for drafts, test records and unknown identifiers."""
    reader = ColumnReader(columns, extra=("submitted_at", "id"))
    public = set(Waiver.objects.public().values_list("public_id", flat=True))
    every = list(Waiver.objects.values_list("public_id", flat=True))
    assert len(every) > len(public) == waivers > 10  # drafts and test records too
    for public_id in every:
        row = reader.one_public("default", public_id)
        if public_id not in public:
            assert row is None
            continue
        expected = reader.values(Waiver.objects.filter(public_id=public_id)).get()
        assert row == expected
        assert [type(value) for value in row] == [type(value) for value in expected]
    with django_assert_num_queries(1):
        assert reader.one_public("default", "MIA-00000000") is None


def test_rows_by_id_read_what_values_reads_in_the_order_asked(waivers, django_assert_num_queries):
    """ColumnReader.by_ids (a cursor page's rows) runs a prepared statement:
    the rows of the public waivers asked for, in the order asked, exactly as
    the ORM's values() reads them; drafts, test records and unknown ids are
    left out."""
    reader = ColumnReader(API_COLUMNS, extra=("id",))
    public = list(Waiver.objects.public().order_by("public_id").values_list("id", flat=True))
    hidden = list(Waiver.objects.exclude(id__in=public).values_list("id", flat=True))
    assert hidden and len(public) > 10
    asked = [*reversed(public[::2]), hidden[0], max(public + hidden) + 1, *public[1::2]]
    with django_assert_num_queries(1):
        rows = reader.by_ids("default", asked)
    expected = {row[-1]: row for row in reader.values(Waiver.objects.all())}
    wanted = [*reversed(public[::2]), *public[1::2]]
    assert rows == [expected[pk] for pk in wanted]
    assert [[type(v) for v in row] for row in rows] == [
        [type(v) for v in expected[pk]] for pk in wanted
    ]
    with django_assert_num_queries(1):  # prepared once a connection, then run
        assert reader.by_ids("default", public[:1]) == [expected[public[0]]]
    with django_assert_num_queries(0):
        assert reader.by_ids("default", []) == []


def test_a_blank_value_published_as_null_must_be_nullable():
    with pytest.raises(ValueError, match="nullable"):
        Column("x", "X", Text(), "summary", blank_is_null=True)


# --- a new column of each kind is one entry ------------------------------------

NEW_COLUMNS = (
    Column("public_id", "Identifier", Text(), "public_id"),
    Column("writes", "How many times the record was written", Integer(), "version"),
    Column(
        "comment_url",
        "Where to comment",
        Url(),
        Concat(Value("https://example.gov/comment/"), F("public_id")),
    ),
    Column("instruments", "PIIDs again", TextList(), "piids"),
)


def test_every_kind_has_a_csv_cell_and_an_api_field():
    kinds = (
        Text(),
        Choice((("a", "A"),)),
        Boolean(),
        TextList(2),
        Integer(),
        Date(),
        Timestamp(),
        Url(),
        PageUrl("waivers:detail"),
    )
    for kind in kinds:
        column = Column("x", "X", kind, "public_id")
        assert csv_cell(column, lambda path: HOST + path) is not None
        assert isinstance(column_field(column), serializers.Field)


def test_new_kinds_reach_every_output(waivers):
    waiver = Waiver.objects.public().order_by("pk").first()
    queryset = Waiver.objects.filter(pk=waiver.pk)
    (row,) = ColumnReader(NEW_COLUMNS).rows(queryset, lambda path: HOST + path, chunk_size=10)
    assert row == {
        "public_id": waiver.public_id,
        "writes": waiver.version,
        "comment_url": f"https://example.gov/comment/{waiver.public_id}",
        "instruments": waiver.piids,
    }
    text = b"".join(copy_csv(queryset, csv_columns(lambda path: path, NEW_COLUMNS))).decode()
    assert list(csv.reader(io.StringIO(text, newline=""))) == [names(NEW_COLUMNS), cells(row)]
    fields = {column.name: column_field(column) for column in NEW_COLUMNS}
    assert isinstance(fields["writes"], serializers.IntegerField)
    assert isinstance(fields["comment_url"], serializers.URLField)
