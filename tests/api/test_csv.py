"""CSV output of the list endpoints."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import errors
from tests.waivers.search_catalogue import (
    FORMULAS,
    build_edge_cases,
    build_formula_waiver,
    defused,
)
from tests.waivers.test_exports import reference_cell

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("params", [{}, {"psc": "66"}, {"q": "laser"}, {"agency": "097"}])
def test_csv_matches_json(client, catalogue, params):
    json_rows = client.get(URL, {**params, "page_size": 100}).json()["results"]
    rows = csv_rows(client.get(URL, {**params, "format": "csv"}))
    assert len(rows) == len(json_rows) > 0
    for csv_row, json_row in zip(rows, json_rows, strict=True):
        assert list(csv_row) == list(json_row)
        assert csv_row == {name: reference_cell(value) for name, value in json_row.items()}


@pytest.mark.parametrize("params", [{}, {"fields": "url,api_url,modified_at,summary,piids"}])
def test_csv_of_edge_values_matches_json(client, catalogue, params):
    """Commas, quotes, line breaks, empty and missing values, booleans not
    stated, microseconds: the CSV (written by the database) says what the
    JSON says."""
    build_edge_cases()
    json_rows = client.get(URL, {**params, "page_size": 100}).json()["results"]
    rows = csv_rows(client.get(URL, {**params, "format": "csv"}))
    assert len(rows) == len(json_rows) == 10
    assert rows == [
        {name: reference_cell(value) for name, value in row.items()} for row in json_rows
    ]


@pytest.mark.parametrize(
    "params",
    [{}, {"page": "1"}, {"cursor": "*"}],
    ids=["whole list (PostgreSQL)", "a page (Python)", "a cursor page (Python)"],
)
def test_csv_cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote(
    client, catalogue, params
):
    waiver = build_formula_waiver()
    query = {"q": waiver.public_id, "fields": ",".join(["public_id", *FORMULAS])}
    (row,) = csv_rows(client.get(URL, {**query, **params, "format": "csv"}))
    assert row == {"public_id": waiver.public_id} | {
        name: defused(value) for name, value in FORMULAS.items()
    }
    # The JSON keeps the stored text.
    (json_row,) = client.get(URL, query).json()["results"]
    assert json_row == {"public_id": waiver.public_id, **FORMULAS}


def test_csv_of_other_lists_defuses_formulas(client):
    build_formula_waiver()
    rows = csv_rows(client.get("/api/v1/agencies/", {"format": "csv", "page_size": 500}))
    names = [row["name"] for row in rows if row["name"].startswith("'")]
    assert names == [defused(FORMULAS["contracting_agency_name"])]


def test_whole_list_is_one_copy_statement_and_a_page_is_not(client, catalogue):
    def copies(params) -> int:
        with CaptureQueriesContext(connection) as queries:
            csv_rows(client.get(URL, {"format": "csv", **params}))
        return sum(query["sql"].startswith("COPY ") for query in queries.captured_queries)

    assert copies({}) == 1
    assert copies({"fields": "public_id,status"}) == 1
    assert copies({"page": 1}) == 0


def test_accept_header_selects_csv(client, catalogue):
    rows = csv_rows(client.get(URL, {"type": "public_interest"}, HTTP_ACCEPT="text/csv"))
    assert [row["public_id"] for row in rows] == [catalogue.valves.public_id]
    assert rows[0]["countries"] == "DE;JP"


def test_csv_returns_every_row_without_paging(client, catalogue, settings):
    settings.API_PAGE_SIZE = 1
    response = client.get(URL, {"format": "csv"})
    assert 'filename="waivers.csv"' in response["Content-Disposition"]
    assert len(csv_rows(response)) == 5


def test_csv_columns_follow_fields(client, catalogue):
    rows = csv_rows(client.get(URL, {"format": "csv", "fields": "public_id,status", "q": "hull"}))
    assert rows == [{"public_id": catalogue.hull.public_id, "status": "decided"}]


def test_csv_of_one_page_when_page_or_cursor_is_given(client, catalogue):
    page = csv_rows(client.get(URL, {"format": "csv", "page": 2, "page_size": 2}))
    json_page = client.get(URL, {"page": 2, "page_size": 2}).json()["results"]
    assert [row["public_id"] for row in page] == [row["public_id"] for row in json_page]
    first = csv_rows(client.get(URL, {"format": "csv", "cursor": "*", "page_size": 3}))
    assert len(first) == 3
    assert "cursor" in errors(client.get(URL, {"format": "csv", "cursor": "bad"}))


def test_errors_are_json_even_when_csv_was_asked_for(client, catalogue):
    response = client.get(URL, {"format": "csv", "naics": "abc"})
    assert response["Content-Type"] == "application/json"
    assert "naics" in errors(response)


def test_unknown_format_is_a_400(client, catalogue):
    assert "format" in errors(client.get(URL, {"format": "xml"}))


def test_unacceptable_accept_header_is_a_406(client, catalogue):
    response = client.get(URL, HTTP_ACCEPT="image/png")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("url", "first_column"),
    [
        ("/api/v1/agencies/?q=defense", "code"),
        ("/api/v1/naics/?q=3345", "code"),
        ("/api/v1/psc/?q=66", "code"),
    ],
)
def test_other_lists_offer_csv(client, url, first_column):
    rows = csv_rows(client.get(url + "&format=csv"))
    json_rows = client.get(url + "&page_size=500").json()["results"]
    assert len(rows) == len(json_rows) > 0
    assert rows[0] == {name: reference_cell(value) for name, value in json_rows[0].items()}


def test_csv_runs_a_fixed_number_of_queries_whatever_the_rows(
    client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"format": "csv"})
        assert len(csv_rows(response)) == 5


def test_csv_never_contains_drafts_test_records_or_internal_fields(client, catalogue):
    from tests.waivers.search_catalogue import DRAFT_TITLE, SECRET, TEST_RECORD_TITLE

    response = client.get(URL, {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    for secret in (
        DRAFT_TITLE,
        TEST_RECORD_TITLE,
        SECRET,
        catalogue.draft.public_id,
        catalogue.test_record.public_id,
    ):
        assert secret not in text
