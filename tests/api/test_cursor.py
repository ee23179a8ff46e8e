"""Keyset cursor paging for bulk pulls."""

import datetime as dt

import pytest

from tests.api.conftest import errors, results
from tests.factories import WaiverFactory, post
from tests.waivers.search_catalogue import at, bulk_waivers
from waivers.api.pagination import encode_cursor

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


def walk(client, params, *, between_pages=None) -> list[str]:
    """Follow `next` from cursor=* to the end; call between_pages(n) after page n."""
    response = client.get(URL, {**params, "cursor": "*"})
    seen, pages = results(response), 1
    while (next_url := response.json()["next"]) is not None:
        if between_pages:
            between_pages(pages)
        response = client.get(next_url)
        seen += results(response)
        pages += 1
    return seen


def test_cursor_walks_the_whole_set_once_in_order(client):
    waivers = bulk_waivers(7)
    seen = walk(client, {"page_size": 2})
    assert seen == [w.public_id for w in reversed(waivers)]  # newest first


def test_cursor_page_shape(client):
    bulk_waivers(3)
    body = client.get(URL, {"cursor": "*", "page_size": 2}).json()
    assert set(body) == {"ordering", "page_size", "next_cursor", "next", "results"}
    assert body["ordering"] == "newest"
    assert body["next"].startswith("http://testserver/api/v1/waivers/?cursor=")
    last = client.get(URL, {"cursor": body["next_cursor"], "page_size": 2}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None and last["next_cursor"] is None


def test_cursor_with_oldest_ordering(client):
    waivers = bulk_waivers(5)
    assert walk(client, {"page_size": 2, "ordering": "oldest"}) == [w.public_id for w in waivers]


def test_cursor_walk_sees_every_row_exactly_once_while_rows_are_added(client):
    """Rows posted during the walk (newer than the position, and backdated
    into the part already read) shift nothing: each original row comes once."""
    original = bulk_waivers(9)
    added = []

    def insert(page_number):
        added.append(post(WaiverFactory(), at=at("2024-06-01") + dt.timedelta(days=page_number)))
        added.append(post(WaiverFactory(), at=original[-1].submitted_at + dt.timedelta(hours=1)))
        added.append(post(WaiverFactory(), at=original[0].submitted_at - dt.timedelta(days=1)))

    seen = walk(client, {"page_size": 2}, between_pages=insert)
    assert len(seen) == len(set(seen)), "a row came back twice"
    assert {w.public_id for w in original} <= set(seen), "a row was skipped"
    assert [s for s in seen if s in {w.public_id for w in original}] == [
        w.public_id for w in reversed(original)
    ]
    # Rows added behind the position (older ones) keep coming; newer ones are
    # for the next walk. Nothing else appears.
    assert set(seen) - {w.public_id for w in original} <= {w.public_id for w in added}


def test_oldest_first_walk_picks_up_rows_added_at_the_end(client):
    original = bulk_waivers(6)
    late = []

    def insert(page_number):
        late.append(post(WaiverFactory(), at=at("2030-01-01") + dt.timedelta(days=page_number)))

    seen = walk(client, {"page_size": 2, "ordering": "oldest"}, between_pages=insert)
    assert seen[:6] == [w.public_id for w in original]
    assert seen[6:] == [w.public_id for w in late]  # appended rows reached, once each


def test_cursor_respects_filters(client, catalogue):
    seen = walk(client, {"page_size": 1, "psc": "66"})
    assert seen == [
        catalogue.withdrawn.public_id,
        catalogue.laser.public_id,
        catalogue.urgent.public_id,
    ]


def test_cursor_mode_ignores_relevance_default_of_a_keyword_search(client, catalogue):
    seen = walk(client, {"page_size": 1, "q": "laser"})
    assert seen == [catalogue.laser.public_id, catalogue.urgent.public_id]


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "WyJuZXdlc3QiLCIyMDIyIiwxXQ",
        "x:y:z",
        encode_cursor("newest", at("2022-01-01"), 1)[:-2] + "zz",  # altered signature
    ],
)
def test_bad_cursor_is_a_400_naming_cursor(client, catalogue, cursor):
    assert "cursor" in errors(client.get(URL, {"cursor": cursor}))


def test_cursor_from_another_ordering_is_refused(client, catalogue):
    token = encode_cursor("oldest", catalogue.laser.submitted_at, catalogue.laser.pk)
    message = errors(client.get(URL, {"cursor": token}))["cursor"][0]
    assert "ordering=oldest" in message


@pytest.mark.parametrize("ordering", ["title", "deadline", "agency", "relevance"])
def test_cursor_only_follows_submission_order(client, catalogue, ordering):
    params = {"cursor": "*", "ordering": ordering, "q": "laser"}
    assert "ordering" in errors(client.get(URL, params))


def test_cursor_and_page_together_are_refused(client, catalogue):
    assert "page" in errors(client.get(URL, {"cursor": "*", "page": 2}))


def test_deep_cursor_page_is_a_range_query_of_keys_then_its_rows_by_id(
    client, django_assert_num_queries
):
    waivers = bulk_waivers(6)
    token = encode_cursor("newest", waivers[3].submitted_at, waivers[3].pk)
    with django_assert_num_queries(3) as queries:
        seen = results(client.get(URL, {"cursor": token, "page_size": 2}))
    assert seen == [waivers[2].public_id, waivers[1].public_id]
    # The data version, then the keys of the page from the filtered waivers
    # alone (no joins), then its rows by id, by a prepared statement.
    _, keys, rows = (query["sql"] for query in queries.captured_queries)
    assert keys.startswith('SELECT "waivers_waiver"."submitted_at"') and "JOIN" not in keys
    assert "ROW(" in keys and "LIMIT 3" in keys
    assert "EXECUTE miao_statement_" in rows  # (after PREPARE, once a connection)
