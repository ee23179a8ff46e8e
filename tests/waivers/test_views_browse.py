"""/waivers/: filters, facet counts, sorting, pagination, bad input, privacy."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    SECRET,
    TEST_RECORD_TITLE,
    build_catalogue,
    bulk_waivers,
    pump_waivers,
)
from waivers import counting, search
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def listed(response) -> list[str]:
    """Public ids of the result rows, in page order."""
    return [waiver.public_id for waiver in response.context["result"].page.object_list]


def facet(response, param) -> dict[str, int]:
    return {o.value: o.count for o in response.context["result"].controls.facets[param].options}


def ids(*waivers) -> set[str]:
    return {waiver.public_id for waiver in waivers}


def test_lists_every_public_waiver_newest_first(client, catalogue):
    response = client.get("/waivers/")
    assert response.status_code == 200
    assert listed(response) == [
        w.public_id
        for w in (
            catalogue.withdrawn,
            catalogue.hull,
            catalogue.valves,
            catalogue.laser,
            catalogue.urgent,
        )
    ]
    html = response.content.decode()
    assert "5 waivers" in html
    assert f'href="/waivers/{catalogue.laser.public_id}/"' in html


def test_drafts_test_records_and_internal_fields_never_listed(client, catalogue):
    html = client.get("/waivers/").content.decode()
    for hidden in (
        DRAFT_TITLE,
        TEST_RECORD_TITLE,
        SECRET,
        catalogue.draft.public_id,
        catalogue.test_record.public_id,
    ):
        assert hidden not in html
    # Not even when searched for by keyword or identifier.
    for query in ("zeppelin", catalogue.test_record.piids[0], catalogue.draft.public_id, SECRET):
        response = client.get("/waivers/", {"q": query})
        assert listed(response) == []
    # Government-only text is not searchable (the query itself is echoed back).
    html = client.get("/waivers/", {"q": "laser"}).content.decode()
    assert SECRET not in html


def test_drafts_and_test_records_are_not_counted_in_facets(client, catalogue):
    response = client.get("/waivers/")
    assert sum(facet(response, "type").values()) == 5
    assert "KP" not in facet(response, "country")  # only the draft and test record name KP
    agency_counts = facet(response, "agency")
    assert agency_counts["097"] == 2  # DLA valves + Navy hull; not the DLA test record
    # The laser waiver; the urgent report was filed after award and has no review.
    assert facet(response, "open") == {"true": 1}


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
        ({"agency": "097"}, ["valves", "hull"]),  # department: all its sub-tiers
        ({"agency": "97AS"}, ["valves"]),  # sub-tier
        ({"agency": ["97AS", "6920"]}, ["valves", "withdrawn"]),
        ({"naics": "3366"}, ["hull"]),  # prefix
        ({"naics": "334516"}, ["laser", "withdrawn", "urgent"]),
        ({"psc": "66"}, ["laser", "withdrawn", "urgent"]),  # category prefix
        ({"psc": "4820"}, ["valves"]),
        ({"country": "JP"}, ["valves", "hull"]),
        ({"country": ["FR", "CN"]}, ["laser", "urgent"]),
        ({"stage": "pre_solicitation"}, ["valves"]),
        ({"coverage": "multi_procurement"}, ["valves", "hull"]),
        ({"submitted_after": "2022-02-01"}, ["valves", "hull", "withdrawn"]),
        ({"submitted_before": "2022-01-10"}, ["laser", "urgent"]),
        ({"submitted_after": "2022-01-11", "submitted_before": "2022-03-01"}, ["valves", "hull"]),
        ({"open": "true"}, ["laser"]),
        ({"q": "valves"}, ["valves"]),
    ],
)
def test_each_filter(client, catalogue, params, expected):
    response = client.get("/waivers/", params)
    assert response.status_code == 200
    assert not response.context["result"].problems
    assert set(listed(response)) == ids(*(getattr(catalogue, name) for name in expected))


def test_open_false_means_no_restriction(client, catalogue):
    assert len(listed(client.get("/waivers/", {"open": "false"}))) == 5


def test_filters_combine(client, catalogue):
    response = client.get("/waivers/", {"agency": "097", "country": "JP", "status": "decided"})
    assert listed(response) == [catalogue.hull.public_id]
    response = client.get("/waivers/", {"psc": "66", "open": "true", "type": "nonavailability"})
    assert listed(response) == [catalogue.laser.public_id]


def test_facet_counts_follow_the_other_filters(client, catalogue):
    everything = client.get("/waivers/")
    assert facet(everything, "type") == {
        "nonavailability": 3,
        "unreasonable_cost": 0,
        "public_interest": 1,
        "urgent_report": 1,
        "jones_act": 0,
    }
    assert facet(everything, "country") == {"CN": 1, "DE": 1, "FR": 1, "GB": 1, "JP": 2}

    defense = client.get("/waivers/", {"agency": "097"})
    # Other facets narrow to the Department of Defense's two waivers...
    assert facet(defense, "type")["nonavailability"] == 1
    assert facet(defense, "type")["public_interest"] == 1
    assert facet(defense, "country") == {"DE": 1, "JP": 2}
    assert facet(defense, "psc") == {"4820": 1, "9515": 1}
    # ...while the agency facet still counts every agency, so others can be added.
    agencies = facet(defense, "agency")
    assert agencies["097"] == 2 and agencies["013"] == 2 and agencies["069"] == 1
    assert next(
        o for o in defense.context["result"].controls.facets["agency"].options if o.value == "097"
    ).selected

    both = client.get("/waivers/", {"agency": "097", "type": "public_interest"})
    assert listed(both) == [catalogue.valves.public_id]
    assert facet(both, "type")["nonavailability"] == 1  # what adding it would bring
    assert "013" not in facet(both, "agency")  # Commerce has no public-interest waiver
    assert facet(both, "country") == {"DE": 1, "JP": 1}


@pytest.mark.parametrize(
    ("params", "apart"),
    [({}, False), ({"agency": "097"}, False), ({"country": "GB"}, True)],
)
def test_countries_are_counted_in_the_other_facets_scan_unless_one_is_ticked(
    client, catalogue, params, apart
):
    """One read of the result gives every facet not in use and the countries
    of origin; a ticked country counts the result without it, apart."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/waivers/", params)
    assert response.status_code == 200
    unnests = [q["sql"] for q in captured.captured_queries if "unnest(" in q["sql"]]
    assert len(unnests) == 1
    assert ("GROUPING SETS" not in unnests[0]) is apart
    expected = {"CN": 1, "DE": 1, "FR": 1, "GB": 1, "JP": 2}
    if params.get("agency"):
        expected = {"DE": 1, "JP": 2}
    assert facet(response, "country") == expected


def test_facet_counts_within_a_keyword_search(client, catalogue):
    response = client.get("/waivers/", {"q": "laser"})
    # "laser" is in the laser waiver's title and the urgent report's rationale.
    assert set(listed(response)) == ids(catalogue.laser, catalogue.urgent)
    assert facet(response, "type")["urgent_report"] == 1
    assert facet(response, "type")["nonavailability"] == 1


def test_long_facets_list_their_most_frequent_options_and_link_to_all(
    client, catalogue, monkeypatch
):
    monkeypatch.setattr("waivers.selectors.facets.SHORT_LIST", 2)
    monkeypatch.setattr("waivers.selectors.facets.SHORT_CHILDREN", 1)
    response = client.get("/waivers/", {"page_size": "10"})
    countries = response.context["result"].controls.facets["country"]
    assert facet(response, "country") == {"CN": 1, "JP": 2}  # the largest, in name order
    assert countries.hidden == 3
    html = response.content.decode()
    assert 'href="?page_size=10&amp;more=country#facet-country"' in html
    assert "Show all country of origin options (3 more)" in html
    assert "more=" not in response.context["result"].filter_query  # exports ignore it

    # A ticked option is always listed, however small.
    chosen = client.get("/waivers/", {"country": "GB"})
    assert facet(chosen, "country") == {"CN": 1, "GB": 1, "JP": 2}

    everything = client.get("/waivers/", {"page_size": "10", "more": "country"})
    assert facet(everything, "country") == {"CN": 1, "DE": 1, "FR": 1, "GB": 1, "JP": 2}
    assert "Show the most frequent only" in everything.content.decode()
    # The cached filter column of one view is never served for the other.
    assert "(3 more)" in client.get("/waivers/", {"page_size": "10"}).content.decode()


def test_page_shows_counts_next_to_filter_choices(client, catalogue):
    html = client.get("/waivers/").content.decode()
    assert re.search(r"Public interest\s*<span class=\"site-facet__count\">\(1\)</span>", html)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["withdrawn", "hull", "valves", "laser", "urgent"]),
        ("oldest", ["urgent", "laser", "valves", "hull", "withdrawn"]),
        ("title", ["urgent", "withdrawn", "valves", "hull", "laser"]),
        # Defense Logistics Agency, Department of the Navy, FAA, NIST (x2, by id).
        ("agency", ["valves", "hull", "withdrawn", "laser", "urgent"]),
    ],
)
def test_sorting(client, catalogue, sort, expected):
    response = client.get("/waivers/", {"sort": sort})
    assert listed(response) == [getattr(catalogue, name).public_id for name in expected]


def test_deadline_sort_puts_open_reviews_by_due_date_first(client, catalogue):
    order = listed(client.get("/waivers/", {"sort": "deadline"}))
    # The urgent report has no review clock: it sorts with the closed ones (nulls last).
    assert order[:4] == [
        w.public_id
        for w in (catalogue.laser, catalogue.valves, catalogue.hull, catalogue.withdrawn)
    ]


def test_relevance_is_the_default_when_searching_and_ranks_title_matches_first(client, catalogue):
    response = client.get("/waivers/", {"q": "laser"})
    assert response.context["result"].sort == "relevance"
    assert listed(response) == [catalogue.laser.public_id, catalogue.urgent.public_id]
    # Without keywords, relevance is not offered and falls back to newest.
    response = client.get("/waivers/", {"sort": "relevance"})
    assert response.context["result"].sort == "newest"
    assert "relevance" not in dict(response.context["result"].sort_choices)


def test_relevance_ranks_at_most_rank_limit_matches(client, monkeypatch):
    oldest_title_match, middle, newest = pump_waivers()
    monkeypatch.setattr("waivers.search.RANK_LIMIT", 3)
    ranked = client.get("/waivers/", {"q": "pump"})
    assert listed(ranked)[0] == oldest_title_match.public_id
    assert ranked.context["result"].notices == []

    monkeypatch.setattr("waivers.search.RANK_LIMIT", 2)
    for params in ({"q": "pump"}, {"q": "pump", "sort": "relevance"}):
        response = client.get("/waivers/", params)
        assert listed(response) == [
            newest.public_id,
            middle.public_id,
            oldest_title_match.public_id,
        ]
        assert response.context["result"].sort == "newest"  # what the sort box shows
        html = response.content.decode()
        assert "These keywords match more than the 2 waivers that can be ranked" in html
    # Another sort asked for explicitly is kept, without a notice.
    response = client.get("/waivers/", {"q": "pump", "sort": "oldest"})
    assert listed(response)[0] == oldest_title_match.public_id
    assert response.context["result"].notices == []


def test_a_keyword_search_counts_its_matches_once(committed_db, client):
    """The relevance decision, the paginator and the facets share one cached
    count (exact here: nothing more is read to decide)."""
    pump_waivers()
    with CaptureQueriesContext(connection) as captured:
        client.get("/waivers/", {"q": "pump"})
    counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert f"LIMIT {search.RANK_LIMIT + 1}" not in counts[0]


@pytest.mark.parametrize(
    ("count", "bounded_read", "ranked"),
    [
        (counting.ResultCount(3), False, True),
        (counting.ResultCount(6), False, False),
        (counting.ResultCount(60_000, exact=False), False, False),
        (counting.ResultCount(4, exact=False), True, True),
    ],
    ids=["exact, under", "exact, over", "estimated over", "estimated under: read"],
)
def test_the_relevance_decision_follows_the_count(monkeypatch, count, bounded_read, ranked):
    from waivers.filters import rankable

    pump_waivers()
    monkeypatch.setattr("waivers.search.RANK_LIMIT", 5)
    monkeypatch.setattr(counting, "result_count", lambda queryset: count)
    read = []
    monkeypatch.setattr(counting, "count_up_to", lambda queryset, limit: read.append(limit) or 3)
    assert rankable(Waiver.objects.public()) is ranked
    assert read == ([5] if bounded_read else [])


def test_pagination_with_page_size(client):
    waivers = bulk_waivers(12)
    newest_first = [w.public_id for w in reversed(waivers)]
    first = client.get("/waivers/", {"page_size": "10"})
    assert listed(first) == newest_first[:10]
    second = client.get("/waivers/", {"page_size": "10", "page": "2"})
    assert listed(second) == newest_first[10:]
    html = first.content.decode()
    assert 'href="?page_size=10&amp;page=2"' in html
    assert "(showing 1–10)" in html


def test_unsupported_page_size_is_reported_and_the_default_used(client):
    bulk_waivers(30)
    response = client.get("/waivers/", {"page_size": "7"})
    assert response.status_code == 200
    assert len(listed(response)) == 25
    assert [p.param for p in response.context["result"].problems] == ["page_size"]
    assert "page_size=7" in response.content.decode()


def test_page_that_is_not_a_number_shows_the_first_page_with_a_message(client):
    bulk_waivers(3)
    response = client.get("/waivers/", {"page": "abc"})
    assert response.status_code == 200
    assert len(listed(response)) == 3
    html = response.content.decode()
    assert "Some search parameters could not be used" in html
    assert "page=abc" in html


def test_page_past_the_end_shows_the_last_page_with_a_message(client):
    waivers = bulk_waivers(12)
    response = client.get("/waivers/", {"page": "99999", "page_size": "10"})
    assert response.status_code == 200
    assert listed(response) == [waivers[1].public_id, waivers[0].public_id]
    assert response.context["result"].page.number == 2
    assert "There is no page 99999" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "bad_param"),
    [
        ({"type": "teleportation"}, "type"),
        ({"status": "draft"}, "status"),  # drafts are not a public status
        ({"determination": "maybe"}, "determination"),
        ({"decision": "perhaps"}, "decision"),
        ({"agency": "ZZZZ"}, "agency"),
        ({"naics": "33x"}, "naics"),
        ({"naics": "3"}, "naics"),
        ({"psc": "66-40"}, "psc"),
        ({"country": "XX"}, "country"),
        ({"stage": "during"}, "stage"),
        ({"coverage": "all"}, "coverage"),
        ({"submitted_after": "2022-13-45"}, "submitted_after"),
        ({"submitted_before": "yesterday"}, "submitted_before"),
        ({"sort": "random"}, "sort"),
        ({"q": "laser " * 100}, "q"),
        ({"q": "laser\x00"}, "q"),
        ({"page": "-3"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page_size": "1000000"}, "page_size"),
    ],
)
def test_bad_input_gives_a_message_never_an_error(client, catalogue, params, bad_param):
    response = client.get("/waivers/", params)
    assert response.status_code == 200
    problems = response.context["result"].problems
    assert [problem.param for problem in problems] == [bad_param]
    html = response.content.decode()
    assert "Some search parameters could not be used" in html
    assert f"<code>{bad_param}=" in html
    # The unusable parameter is ignored: the rest of the (empty) search runs.
    assert len(listed(response)) == 5


def test_one_bad_parameter_leaves_the_others_applied(client, catalogue):
    response = client.get("/waivers/", {"q": "laser", "submitted_after": "2022-99-01"})
    assert set(listed(response)) == ids(catalogue.laser, catalogue.urgent)
    assert response.context["result"].sort == "relevance"
    html = response.content.decode()
    assert 'href="/waivers/?q=laser">Remove this parameter' in html


def test_search_syntax_that_cannot_be_parsed_still_answers(client, catalogue):
    for query in ('"unterminated', "&|!:*()", "-", "or or or", "'; DROP TABLE x; --", "\\"):
        response = client.get("/waivers/", {"q": query})
        assert response.status_code == 200


def test_active_filters_are_removable_chips(client, catalogue):
    response = client.get("/waivers/", {"agency": ["097", "6920"], "psc": "66", "page": "1"})
    chips = {chip.label: chip.remove_url for chip in response.context["result"].chips}
    assert chips == {
        "Agency: Department of Defense": "/waivers/?agency=6920&psc=66",
        "Agency: Federal Aviation Administration": "/waivers/?agency=097&psc=66",
        "PSC 66…": "/waivers/?agency=097&agency=6920",
    }
    html = response.content.decode()
    assert 'aria-label="Remove filter PSC 66…"' in html


def test_search_state_is_kept_in_the_form(client, catalogue):
    response = client.get(
        "/waivers/",
        {
            "q": "laser",
            "type": "urgent_report",
            "stage": "post_solicitation",
            "submitted_after": "2021-01-01",
            "page_size": "50",
            "sort": "oldest",
        },
    )
    html = response.content.decode()
    assert 'name="q" type="search" maxlength="200" value="laser"' in html
    assert 'value="urgent_report" checked' in html
    assert 'name="stage" value="post_solicitation" checked' in html
    assert 'value="2021-01-01"' in html
    assert '<option value="50" selected>' in html
    assert '<option value="oldest" selected>' in html
    assert '<form method="get" action="/waivers/"' in html


def test_export_and_feed_links_carry_the_usable_filters(client, catalogue):
    html = client.get("/waivers/", {"psc": "66", "type": "bogus", "page": "2"}).content.decode()
    assert 'href="/waivers/export.csv?psc=66"' in html
    assert 'href="/waivers/export.json?psc=66"' in html
    assert 'href="/waivers/feed/?psc=66"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html


def test_result_rows_show_the_public_fields(client, catalogue):
    html = client.get("/waivers/", {"q": catalogue.laser.public_id}).content.decode()
    laser = catalogue.laser
    assert "Tunable laser system for atomic clocks" in html
    assert 'href="/agencies/national-institute-of-standards-and-technology/"' in html
    assert "Nonavailability" in html and "Submitted" in html
    assert "January 10, 2022" in html
    assert "6640" in html and "334516" in html
    assert "business day" in html or "Overdue" in html or "due today" in html
    assert laser.public_id in html


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "laser", "agency": "013", "country": ["FR", "JP"], "page": "2", "page_size": "10"},
    ],
)
def test_query_count_does_not_grow_with_the_result(client, django_assert_max_num_queries, query):
    bulk_waivers(5)
    with django_assert_max_num_queries(20) as small:
        client.get("/waivers/", query)
    bulk_waivers(55, start="2024-01-01")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/waivers/", query)
    assert response.status_code == 200
    assert Waiver.objects.public().count() == 60


@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
def test_open_rejects_values_that_are_not_true_or_false(client, catalogue, value):
    response = client.get("/waivers/", {"open": value})
    assert response.status_code == 200
    assert "Enter true or false." in response.content.decode()
    # The bad parameter is dropped, not read as "open".
    assert len(listed(response)) == 5


@pytest.mark.parametrize("value", ["1", "yes", "TRUE"])
def test_open_accepts_the_usual_spellings_of_true(client, catalogue, value):
    assert listed(client.get("/waivers/", {"open": value})) == listed(
        client.get("/waivers/", {"open": "true"})
    )
