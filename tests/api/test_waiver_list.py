"""GET /api/v1/waivers/: the website's filters, keyword search, ordering,
page-number paging and field selection."""

import pytest

from tests.api.conftest import ids, results
from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    SECRET,
    TEST_RECORD_TITLE,
    build_edge_cases,
    pump_waivers,
)
from waivers.exports import FIELD_NAMES

# Columns are only ever added at the end; those added after modified_at (the
# API's last column until then) come after it.
ADDED_LATER = FIELD_NAMES.index("supplier_responses")

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


def test_lists_every_public_waiver_newest_first(client, catalogue):
    response = client.get(URL)
    body = response.json()
    assert body["count"] == 5
    assert results(response) == [
        w.public_id
        for w in (
            catalogue.withdrawn,
            catalogue.hull,
            catalogue.valves,
            catalogue.laser,
            catalogue.urgent,
        )
    ]
    assert body["page"] == 1 and body["num_pages"] == 1
    assert body["next"] is None and body["previous"] is None


def test_rows_carry_the_export_fields_and_links(client, catalogue):
    row = client.get(URL, {"q": "valves"}).json()["results"][0]
    assert list(row) == [
        *FIELD_NAMES[:2],
        "api_url",
        *FIELD_NAMES[2:ADDED_LATER],
        "modified_at",
        *FIELD_NAMES[ADDED_LATER:],
    ]
    assert row["public_id"] == catalogue.valves.public_id
    assert row["url"] == f"http://testserver/waivers/{catalogue.valves.public_id}/"
    assert row["api_url"] == f"http://testserver/api/v1/waivers/{catalogue.valves.public_id}/"
    assert row["type"] == "public_interest"
    assert row["status"] == "reviewed"
    assert row["contracting_agency_code"] == "97AS"
    assert row["contracting_department_code"] == "097"
    assert row["psc_code"] == "4820"
    assert row["countries"] == ["DE", "JP"]
    assert row["piids"] == ["SPE7M122P0001"]
    assert row["determination"] == "consistent"
    assert row["submitted_at"].startswith("2022-02-01T15:00:00")
    assert row["final_decision"] is None


def test_list_rows_read_as_values_equal_the_detail_read_as_instances(client, catalogue):
    """Lists read a page of plain values, the detail reads one waiver by its
    key: every field of every row must agree, for waivers of every type and
    status with nulls, empty lists and no department."""
    build_edge_cases()
    rows = client.get(URL, {"page_size": 100}).json()["results"]
    assert len(rows) > 5
    for row in rows:
        detail = client.get(row["api_url"]).json()
        assert row == {name: detail[name] for name in row}, row["public_id"]


def test_drafts_test_records_and_internal_fields_never_appear(client, catalogue):
    content = client.get(URL, {"page_size": 100}).content.decode()
    for secret in (
        DRAFT_TITLE,
        TEST_RECORD_TITLE,
        SECRET,
        catalogue.draft.public_id,
        catalogue.test_record.public_id,
    ):
        assert secret not in content
    assert client.get(URL, {"q": "zeppelin"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "public_interest"}, ["valves"]),
        ({"type": ["public_interest", "urgent_report"]}, ["valves", "urgent"]),
        ({"status": "withdrawn"}, ["withdrawn"]),
        ({"status": ["reviewed", "decided"]}, ["valves", "hull"]),
        ({"determination": "consistent"}, ["valves", "hull"]),
        ({"decision": "granted"}, ["hull"]),
        ({"decision": "pending"}, ["laser", "valves", "urgent"]),
        ({"agency": "097"}, ["valves", "hull"]),
        ({"agency": "97AS"}, ["valves"]),
        ({"agency": ["97AS", "6920"]}, ["valves", "withdrawn"]),
        ({"naics": "3366"}, ["hull"]),
        ({"naics": "334516"}, ["laser", "withdrawn", "urgent"]),
        ({"psc": "66"}, ["laser", "withdrawn", "urgent"]),
        ({"psc": "4820"}, ["valves"]),
        ({"country": "JP"}, ["valves", "hull"]),
        ({"country": ["FR", "CN"]}, ["laser", "urgent"]),
        ({"stage": "pre_solicitation"}, ["valves"]),
        ({"coverage": "multi_procurement"}, ["valves", "hull"]),
        ({"submitted_after": "2022-02-01"}, ["valves", "hull", "withdrawn"]),
        ({"submitted_before": "2022-01-10"}, ["laser", "urgent"]),
        ({"submitted_after": "2022-01-11", "submitted_before": "2022-03-01"}, ["valves", "hull"]),
        ({"open": "true"}, ["laser"]),  # urgent reports have no review to be open
        ({"open": "false"}, ["laser", "valves", "hull", "withdrawn", "urgent"]),
        ({"q": "valves"}, ["valves"]),
        ({"q": '"hull plate"'}, ["hull"]),
        ({"q": "1333ND22PNB0002"}, ["laser"]),  # exact PIID
    ],
)
def test_each_filter(client, catalogue, params, expected):
    response = client.get(URL, params)
    assert set(results(response)) == ids(*(getattr(catalogue, name) for name in expected))
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "laser", "type": "urgent_report"}, ["urgent"]),
        ({"q": "laser", "open": "true"}, ["laser"]),
        ({"q": "laser", "psc": "6640"}, ["laser", "urgent"]),
        ({"q": "laser", "country": "FR"}, ["laser"]),
        ({"q": "laser", "agency": "1341"}, ["laser", "urgent"]),
        ({"q": "laser", "submitted_after": "2022-01-01"}, ["laser"]),
        ({"q": "laser", "naics": "3345"}, ["laser", "urgent"]),
        ({"q": "laser -clocks"}, ["urgent"]),
        ({"q": "valves or hull", "status": "decided"}, ["hull"]),
        ({"q": "laser", "decision": "granted"}, []),
        ({"q": "radar", "status": "withdrawn", "stage": "post_solicitation"}, ["withdrawn"]),
        (
            {"q": "steel", "coverage": "multi_procurement", "determination": "consistent"},
            ["valves", "hull"],
        ),
    ],
)
def test_filters_combine_with_keyword_search(client, catalogue, params, expected):
    response = client.get(URL, params)
    assert set(results(response)) == ids(*(getattr(catalogue, name) for name in expected))


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["withdrawn", "hull", "valves", "laser", "urgent"]),
        ("newest", ["withdrawn", "hull", "valves", "laser", "urgent"]),
        ("-submitted_at", ["withdrawn", "hull", "valves", "laser", "urgent"]),
        ("oldest", ["urgent", "laser", "valves", "hull", "withdrawn"]),
        ("submitted_at", ["urgent", "laser", "valves", "hull", "withdrawn"]),
        ("title", ["urgent", "withdrawn", "valves", "hull", "laser"]),
    ],
)
def test_ordering(client, catalogue, ordering, expected):
    params = {"ordering": ordering} if ordering else {}
    assert results(client.get(URL, params)) == [getattr(catalogue, n).public_id for n in expected]


def test_deadline_ordering_puts_open_reviews_first_by_due_date(client, catalogue):
    order = results(client.get(URL, {"ordering": "review_due_date"}))
    assert order[:2] == [catalogue.laser.public_id, catalogue.valves.public_id]
    assert order == results(client.get(URL, {"ordering": "deadline"}))


def test_agency_ordering_sorts_by_contracting_agency_name(client, catalogue):
    rows = client.get(URL, {"ordering": "agency", "fields": "contracting_agency_name"}).json()
    names = [row["contracting_agency_name"] for row in rows["results"]]
    assert names == sorted(names)


def test_keyword_search_orders_by_relevance_unless_told_otherwise(client, catalogue):
    by_relevance = results(client.get(URL, {"q": "laser"}))
    assert by_relevance[0] == catalogue.laser.public_id  # title match ranks first
    oldest = results(client.get(URL, {"q": "laser", "ordering": "oldest"}))
    assert oldest == [catalogue.urgent.public_id, catalogue.laser.public_id]


def test_keyword_search_too_broad_to_rank_comes_newest_first(client, monkeypatch):
    oldest_title_match, middle, newest = pump_waivers()
    assert results(client.get(URL, {"q": "pump"}))[0] == oldest_title_match.public_id
    monkeypatch.setattr("waivers.search.RANK_LIMIT", 2)
    expected = [newest.public_id, middle.public_id, oldest_title_match.public_id]
    assert results(client.get(URL, {"q": "pump"})) == expected
    assert results(client.get(URL, {"q": "pump", "ordering": "relevance"})) == expected


def test_ordering_overrides_the_sites_sort_parameter(client, catalogue):
    assert results(client.get(URL, {"sort": "oldest"}))[0] == catalogue.urgent.public_id
    both = results(client.get(URL, {"sort": "oldest", "ordering": "newest"}))
    assert both[0] == catalogue.withdrawn.public_id


def test_page_number_pagination_with_total_count(client, catalogue):
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 5 and first["num_pages"] == 3 and first["page_size"] == 2
    assert first["next"] == "http://testserver/api/v1/waivers/?page=2&page_size=2"
    third = client.get(URL, {"page_size": 2, "page": 3}).json()
    assert len(third["results"]) == 1
    assert third["next"] is None
    assert third["previous"] == "http://testserver/api/v1/waivers/?page=2&page_size=2"
    seen = []
    for page in (1, 2, 3):
        seen += results(client.get(URL, {"page_size": 2, "page": page}))
    assert seen == results(client.get(URL))


def test_page_size_defaults_and_maximum_come_from_settings(client, catalogue, settings):
    settings.API_PAGE_SIZE = 3
    settings.API_MAX_PAGE_SIZE = 4
    assert client.get(URL).json()["page_size"] == 3
    assert client.get(URL, {"page_size": 4}).json()["page_size"] == 4
    assert client.get(URL, {"page_size": 5}).status_code == 400


def test_empty_result_is_one_empty_page(client, catalogue):
    body = client.get(URL, {"q": "nothingmatchesthis"}).json()
    assert body == {
        "count": 0,
        "count_exact": True,
        "page": 1,
        "page_size": 25,
        "num_pages": 1,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_fields_selects_and_orders_the_returned_fields(client, catalogue):
    rows = client.get(URL, {"fields": "title,public_id,countries", "q": "hull"}).json()["results"]
    assert rows == [
        {"title": "Titanium hull plate", "public_id": catalogue.hull.public_id, "countries": ["JP"]}
    ]


def test_list_runs_a_bounded_number_of_queries(client, catalogue, django_assert_max_num_queries):
    # One more than the page and its count: the table's size, which says
    # whether the count needs a time budget (waivers.counting.budgeted).
    with django_assert_max_num_queries(7):
        assert client.get(URL, {"page_size": 100, "agency": "097"}).status_code == 200
