"""/waivers/export.csv and /waivers/export.json: the current search, streamed."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from psycopg.pq import TransactionStatus

from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    FORMULAS,
    SECRET,
    TEST_RECORD_TITLE,
    build_catalogue,
    build_edge_cases,
    build_formula_waiver,
    bulk_waivers,
    defused,
)
from waivers.columns import EXPORT_READER
from waivers.exports import FIELD_NAMES, csv_columns, export_queryset, stream_csv
from waivers.filters import PUBLIC_STATUSES
from waivers.models import Waiver
from waivers.views.browse import export_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def body(response) -> str:
    assert response.streaming is True
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def json_rows(response) -> list[dict]:
    return json.loads(body(response))


def test_csv_has_the_documented_columns_and_a_filename(client, catalogue):
    response = client.get("/waivers/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="made-in-america-waivers-'
    )
    assert response["Content-Disposition"].endswith('.csv"')
    text = body(response)
    assert next(csv.reader(io.StringIO(text))) == FIELD_NAMES


def test_json_is_a_streamed_array_with_a_filename(client, catalogue):
    response = client.get("/waivers/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].endswith('.json"')
    rows = json_rows(response)
    assert isinstance(rows, list) and len(rows) == 5
    assert all(list(row) == FIELD_NAMES for row in rows)


def waiver_row(waiver: Waiver, absolute_url=lambda path: path) -> dict:
    """A waiver's published row as the exports build it, from values() read
    by the ORM."""
    values = EXPORT_READER.values(Waiver.objects.filter(pk=waiver.pk)).get()
    return EXPORT_READER.row_builder(absolute_url)(values)


def test_every_row_serialises_in_the_documented_order(catalogue):
    for waiver in catalogue.public:
        assert list(waiver_row(waiver)) == FIELD_NAMES


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"psc": "66"},
        {"agency": "097"},
        {"q": "laser"},
        {"country": "JP", "status": "decided"},
        {"open": "true", "sort": "oldest"},
        {"q": "laser", "sort": "title"},
        {"sort": "agency"},
        {"sort": "deadline"},
        {"q": "valves OR laser OR hull", "sort": "relevance"},
    ],
)
def test_rows_are_the_filtered_search_in_its_order(client, catalogue, params):
    page = client.get("/waivers/", {**params, "page_size": "100"})
    expected = [waiver.public_id for waiver in page.context["result"].page.object_list]
    from_csv = [row["public_id"] for row in csv_rows(client.get("/waivers/export.csv", params))]
    from_json = [row["public_id"] for row in json_rows(client.get("/waivers/export.json", params))]
    assert from_csv == expected
    assert from_json == expected


def test_csv_values(client, catalogue):
    (row,) = csv_rows(client.get("/waivers/export.csv", {"q": catalogue.laser.public_id}))
    laser = catalogue.laser
    assert row["url"] == f"http://testserver/waivers/{laser.public_id}/"
    assert row["type"] == "nonavailability"
    assert row["status"] == "submitted"
    assert row["title"] == "Tunable laser system for atomic clocks"
    assert row["contracting_agency_code"] == "1341"
    assert row["contracting_agency_name"] == "National Institute of Standards and Technology"
    assert row["contracting_department_code"] == "013"
    assert row["funding_agency_code"] == "1341"
    assert row["naics_code"] == "334516"
    assert row["naics_title"] == "Analytical Laboratory Instrument Manufacturing"
    assert row["psc_code"] == "6640"
    assert row["psc_name"] == "Laboratory Equipment and Supplies"
    assert row["stage"] == "post_solicitation"
    assert row["coverage"] == "individual"
    assert row["duration"] == "instant"
    assert row["sources_sought"] == "true"
    assert row["price_preference_included"] == "false"
    assert row["piids"] == "1333ND22PNB0001;1333ND22PNB0002"
    assert row["solicitation_id"] == "1333ND22QNB0042"
    assert row["countries"] == "FR"
    assert row["submitted_at"].startswith("2022-01-10T")
    assert row["review_due_date"] == laser.review_due_date.isoformat()
    assert row["determination"] == "" and row["final_decision"] == ""
    assert row["withdrawn_at"] == ""


def test_json_values_keep_lists_and_nulls(client, catalogue):
    (row,) = json_rows(client.get("/waivers/export.json", {"q": catalogue.valves.public_id}))
    assert row["piids"] == ["SPE7M122P0001"]
    assert row["countries"] == ["DE", "JP"]
    assert row["determination"] == "consistent"
    assert row["determined_at"].startswith("2022-02-01T")
    assert row["final_decision"] is None
    assert row["conditions"] is None
    (hull,) = json_rows(client.get("/waivers/export.json", {"q": catalogue.hull.public_id}))
    assert hull["final_decision"] == "granted"
    assert hull["final_decision_date"] == "2022-03-01"


def test_drafts_test_records_and_internal_fields_are_never_exported(client, catalogue):
    for url in ("/waivers/export.csv", "/waivers/export.json"):
        text = body(client.get(url))
        for hidden in (
            DRAFT_TITLE,
            TEST_RECORD_TITLE,
            SECRET,
            catalogue.draft.public_id,
            catalogue.test_record.public_id,
        ):
            assert hidden not in text
    columns = set(FIELD_NAMES)
    for internal in (
        "market_research",
        "excluded_sources",
        "approving_official",
        "contacts",
        "is_test_record",
        "source_id",
    ):
        assert internal not in columns


def test_bad_parameters_are_refused_with_a_clear_400(client, catalogue):
    for url in ("/waivers/export.csv", "/waivers/export.json"):
        response = client.get(url, {"type": "bogus", "submitted_after": "2022-02-30"})
        assert response.status_code == 400
        text = response.content.decode()
        assert "type:" in text and "submitted_after:" in text


def test_paging_parameters_are_ignored(client, catalogue):
    rows = csv_rows(client.get("/waivers/export.csv", {"page": "2", "page_size": "10"}))
    assert len(rows) == 5


def test_exports_every_row_beyond_one_chunk(client, monkeypatch):
    monkeypatch.setattr("waivers.exports.CHUNK_SIZE", 7)
    bulk_waivers(20)
    assert len(csv_rows(client.get("/waivers/export.csv"))) == 20
    assert len(json_rows(client.get("/waivers/export.json"))) == 20


@pytest.mark.parametrize("url", ["/waivers/export.csv", "/waivers/export.json"])
def test_query_count_does_not_grow_with_the_export(client, django_assert_max_num_queries, url):
    bulk_waivers(5)
    with django_assert_max_num_queries(4) as small:
        assert len(body(client.get(url, {"agency": "013"}))) > 0
    bulk_waivers(55, start="2024-01-01")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        text = body(client.get(url, {"agency": "013"}))
    assert text.count("/waivers/MIA-") == 60
    assert Waiver.objects.public().count() == 60
    if url.endswith(".csv"):  # the rows are one COPY statement
        copies = [q["sql"] for q in large.captured_queries if q["sql"].startswith("COPY ")]
        assert len(copies) == 1


def test_every_column_is_documented():
    documented = (Path(__file__).resolve().parents[2] / "docs" / "exports.md").read_text()
    for name in FIELD_NAMES:
        assert f"| `{name}` |" in documented


# --- the CSV written by PostgreSQL: the same cells as waiver_row() ------------


def reference_cell(value) -> str:
    """A waiver_row() value as a CSV cell: the documented format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ";".join(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value  # a text a spreadsheet would run as a formula
    return str(value)


def test_csv_cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote(client, catalogue):
    waiver = build_formula_waiver()
    rows = csv_rows(client.get("/waivers/export.csv", {"q": waiver.public_id}))
    (row,) = [row for row in rows if row["public_id"] == waiver.public_id]
    for name, value in FORMULAS.items():
        assert row[name] == defused(value), name
    # Only the first character counts: a trigger further in is left alone.
    laser = {row["public_id"]: row for row in csv_rows(client.get("/waivers/export.csv"))}[
        catalogue.laser.public_id
    ]
    assert laser["summary"] == catalogue.laser.summary and "-" in laser["summary"]
    # The JSON keeps the stored text.
    (json_row,) = json_rows(client.get("/waivers/export.json", {"q": waiver.public_id}))
    for name, value in FORMULAS.items():
        assert json_row[name] == value, name


def reference_rows() -> list[list[str]]:
    """Every public waiver, newest first, as waiver_row() gives it."""
    waivers = export_queryset(Waiver.objects.public()).order_by("-submitted_at", "-id")
    rows = [waiver_row(waiver, lambda path: "http://testserver" + path) for waiver in waivers]
    return [[reference_cell(row[name]) for name in FIELD_NAMES] for row in rows]


@pytest.fixture
def edge_cases(catalogue):
    return build_edge_cases()


def test_csv_cells_are_the_values_of_waiver_row(client, edge_cases):
    rows = list(csv.reader(io.StringIO(body(client.get("/waivers/export.csv")), newline="")))
    assert rows[0] == FIELD_NAMES
    assert rows[1:] == reference_rows()
    by_id = {row[0]: dict(zip(FIELD_NAMES, row, strict=True)) for row in rows[1:]}
    covered = {(row["type"], row["status"]) for row in by_id.values()}
    assert {type_ for type_, _ in covered} == set(Waiver.Type.values)
    assert {status for _, status in covered} == {value for value, _ in PUBLIC_STATUSES}


def test_csv_edge_values(client, edge_cases):
    rows = csv.DictReader(io.StringIO(body(client.get("/waivers/export.csv")), newline=""))
    by_id = {row["public_id"]: row for row in rows}
    quoted = by_id[edge_cases["quoted"].public_id]
    assert quoted["title"] == 'Valves, "special" grade — café façade'
    assert quoted["summary"] == "First line\nsecond line"
    assert quoted["rationale"] == "A Windows line\r\nbreak, and a comma"
    assert quoted["piids"] == "A1;B2;C3" and quoted["countries"] == "DE;JP;FR"
    assert quoted["solicitation_id"] == "\\."
    assert quoted["submitted_at"] == "2024-03-05T14:30:00+00:00"

    sparse = by_id[edge_cases["sparse"].public_id]
    assert sparse["type"] == "unreasonable_cost" and sparse["status"] == "in_review"
    assert sparse["submitted_at"] == "2024-03-06T09:15:30.123456+00:00"
    assert sparse["sources_sought"] == "" and sparse["price_preference_included"] == "true"
    for empty in (
        "funding_agency_code",
        "funding_agency_name",
        "naics_code",
        "naics_title",
        "psc_code",
        "psc_name",
        "piids",
        "countries",
        "solicitation_id",
        "stage",
        "coverage",
        "duration",
        "rationale",
        "determined_at",
        "final_decision_date",
    ):
        assert sparse[empty] == "", empty
    assert sparse["summary"] == " leading space\tand a tab "

    conditional = by_id[edge_cases["conditional"].public_id]
    assert conditional["submitted_at"] == "2024-03-07T00:00:00.000100+00:00"
    assert conditional["determined_at"] == "2024-03-08T12:00:00.500000+00:00"
    assert conditional["conditions"] == 'Buy "domestic" steel,\nwhen it is available'
    assert conditional["contracting_agency_code"] == "013"
    assert conditional["contracting_department_code"] == ""
    assert conditional["contracting_department_name"] == ""
    assert conditional["sources_sought"] == "false"

    waived = by_id[edge_cases["waived"].public_id]
    assert waived["psc_name"] == "Short name only"
    assert waived["naics_code"] == "999999" and waived["naics_title"] == ""
    assert waived["submitted_at"] == "2024-03-09T23:59:59.999999+00:00"

    refused = by_id[edge_cases["refused"].public_id]
    assert refused["determination"] == "inconsistent"
    assert refused["explanation"] == "Explained; at length"
    assert refused["final_decision"] == "not_granted"
    assert refused["final_decision_date"] == "2024-03-12"


def test_csv_is_written_as_pythons_csv_module_writes_it(client, edge_cases):
    """Byte for byte: minimal quoting, no quotes around empty cells, rows
    ending in CR LF, line breaks inside values kept as they are."""
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(FIELD_NAMES)
    writer.writerows(reference_rows())
    assert body(client.get("/waivers/export.csv")) == expected.getvalue()


def test_json_export_of_the_edge_cases_keeps_waiver_row_values(client, edge_cases):
    rows = json_rows(client.get("/waivers/export.json"))
    expected = [
        waiver_row(waiver, lambda path: "http://testserver" + path)
        for waiver in export_queryset(Waiver.objects.public()).order_by("-submitted_at", "-id")
    ]
    assert rows == json.loads(json.dumps(expected, cls=DjangoJSONEncoder))


def test_csv_columns_are_the_export_columns():
    assert list(csv_columns(lambda path: path)) == FIELD_NAMES


def test_host_name_reaches_the_database_as_a_parameter(catalogue):
    host = "http://o'neil.example"
    text = b"".join(stream_csv(Waiver.objects.public(), lambda path: host + path)).decode()
    urls = [row["url"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert urls and all(url.startswith(host + "/waivers/MIA-") for url in urls)


def test_nothing_to_export_is_just_the_header(client, catalogue):
    header = ",".join(FIELD_NAMES) + "\r\n"
    assert b"".join(stream_csv(Waiver.objects.none(), str)).decode() == header
    assert body(client.get("/waivers/export.csv", {"q": "zeppelinless"})) == header


def test_closing_a_download_early_ends_the_copy_and_frees_the_connection(rf, monkeypatch):
    """A client that goes away closes the stream: the COPY is cancelled and
    the connection answers the next query."""
    monkeypatch.setattr("waivers.exports.CHUNK_SIZE", 2)
    waivers = bulk_waivers(30)
    # About 30 MB of rows: far more than the socket buffers hold, so the
    # server is still sending when the client stops reading.
    Waiver.objects.update(rationale="domestic steel " * 70_000)
    savepoint = transaction.savepoint()
    response = export_csv(rf.get("/waivers/export.csv"))
    stream = iter(response.streaming_content)
    assert next(stream).startswith(b"public_id,url,")
    assert next(stream).count(b"\r\n") == 2
    # What a WSGI server does when the client goes away (without letting
    # request_finished close the test's connection, as the test client does).
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert connection.connection.info.transaction_status in (
        TransactionStatus.INTRANS,
        TransactionStatus.INERROR,  # not ACTIVE: the COPY is over
    )
    transaction.savepoint_rollback(savepoint)  # the cancel may have failed the transaction
    assert Waiver.objects.public().count() == len(waivers)


@pytest.mark.parametrize("url", ["/waivers/export.csv", "/waivers/export.json"])
def test_downloads_are_rate_limited_per_client_address(client, settings, url):
    settings.DOWNLOAD_RATE = "2/minute"
    assert [client.get(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(2)] == [200, 200]
    response = client.get(url, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many downloads" in response.content.decode()
    # Both downloads share the budget; another address has its own.
    other = "/waivers/export.json" if url.endswith(".csv") else "/waivers/export.csv"
    assert client.get(other, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 200
