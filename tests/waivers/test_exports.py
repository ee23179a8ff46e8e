"""/waivers/export.csv and /waivers/export.json: the current search, streamed."""

import csv
import io
import json
from pathlib import Path

import pytest

from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    SECRET,
    TEST_RECORD_TITLE,
    build_catalogue,
    bulk_waivers,
)
from waivers.exports import FIELD_NAMES, waiver_row
from waivers.models import Waiver

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


def test_every_row_serialises_in_the_documented_order(catalogue):
    for waiver in catalogue.public:
        assert list(waiver_row(waiver, lambda path: path)) == FIELD_NAMES


@pytest.mark.parametrize("params", [
    {},
    {"psc": "66"},
    {"agency": "097"},
    {"q": "laser"},
    {"country": "JP", "status": "decided"},
    {"open": "true", "sort": "oldest"},
])
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
        for hidden in (DRAFT_TITLE, TEST_RECORD_TITLE, SECRET, catalogue.draft.public_id,
                       catalogue.test_record.public_id):
            assert hidden not in text
    columns = set(FIELD_NAMES)
    for internal in ("market_research", "excluded_sources", "approving_official", "contacts",
                     "is_test_record", "source_id"):
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
    with django_assert_max_num_queries(len(small.captured_queries)):
        text = body(client.get(url, {"agency": "013"}))
    assert text.count("/waivers/MIA-") == 60
    assert Waiver.objects.public().count() == 60


def test_every_column_is_documented():
    documented = (Path(__file__).resolve().parents[2] / "docs" / "exports.md").read_text()
    for name in FIELD_NAMES:
        assert f"| `{name}` |" in documented
