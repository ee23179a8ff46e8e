"""/stats/ and waivers.selectors.stats.waiver_stats."""

import re

import pytest

from tests import site_data
from tests.factories import WaiverFactory, post
from tests.waivers.test_views_detail import SECRETS
from waivers.models import Waiver
from waivers.selectors.stats import waiver_stats

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    waivers = site_data.every_type()
    site_data.draft()
    site_data.test_record()
    return waivers


def row(label: str, number: int) -> str:
    return f'<th scope="row">{label}</th><td class="site-num">{number}</td>'


def by_value(rows):
    return {row["value"]: row["count"] for row in rows}


def test_waiver_stats_counts_match_the_data(record):
    stats = waiver_stats(Waiver.objects.public())
    assert stats["total"] == 5
    assert by_value(stats["determinations"]) == {
        "consistent": 1,  # Jones Act
        "conditionally_consistent": 1,  # nonavailability
        "inconsistent": 0,
        "review_waived": 0,
        "awaiting": 1,  # price preference, still under review
        "withdrawn": 1,  # public interest
        "no_review": 1,  # urgent report
    }
    assert by_value(stats["decisions"]) == {
        "granted": 1,
        "not_granted": 0,
        "pending": 3,
        "withdrawn": 1,
    }
    assert stats["top_agencies"] == [
        {
            "code": "1341",
            "name": "National Institute of Standards and Technology",
            "slug": record["nonavailability"].contracting_agency.slug,
            "count": 5,
        }
    ]
    assert stats["top_psc_categories"] == [
        {"prefix": "66", "name": "INSTRUMENTS AND LABORATORY EQPT", "count": 5}
    ]


def test_waiver_stats_per_month_by_type(record):
    months = {m["month"]: m for m in waiver_stats(Waiver.objects.public())["per_month"]}
    assert months["2022-03"]["by_type"]["nonavailability"] == 1
    assert months["2022-03"]["total"] == 1
    assert months["2022-04"]["by_type"]["public_interest"] == 1
    assert months["2022-05"]["by_type"]["urgent_report"] == 1
    assert months["2022-09"]["by_type"]["jones_act"] == 1
    # Empty months in between are present, with zeros.
    assert months["2022-06"]["total"] == 0
    assert sum(m["total"] for m in months.values()) == 5


def test_waiver_stats_review_time(record):
    review = waiver_stats(Waiver.objects.public())["review_time"]
    # Nonavailability: submitted March 1, determined March 8 (7 days).
    # Jones Act: determined at submission (0 days).
    assert review["count"] == 2
    assert review["max_days"] == 7.0
    assert review["median_days"] == 3.5
    buckets = {b["label"]: b["count"] for b in review["buckets"]}
    assert buckets["0–1 days"] == 1
    assert buckets["5–7 days"] == 1
    assert sum(buckets.values()) == 2


def test_waiver_stats_of_nothing():
    stats = waiver_stats(Waiver.objects.public())
    assert stats["total"] == 0
    assert stats["per_month"] == []
    assert stats["review_time"]["median_days"] is None


def test_stats_page_shows_charts_with_data_tables(client, record):
    response = client.get("/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') >= 6
    assert html.count('<title id="chart-') == 6
    # A data table for each chart, and the two tables of supplier responses.
    assert html.count("<table") == 8
    assert "All 5 public waivers." in html
    assert row("Conditionally consistent with policy", 1) in html
    assert "Instruments and laboratory eqpt" in html
    for secret in SECRETS:
        assert secret not in html
    assert "DRAFT-never-public-title" not in html


def test_stats_follow_the_filters(client, record):
    html = client.get("/stats/?type=jones_act").content.decode()
    assert "1 public waiver match the filters below." in html
    assert row("Consistent with policy", 1) in html
    assert row("Conditionally consistent with policy", 0) in html


@pytest.mark.parametrize(
    "query",
    [
        "?naics=abc",
        "?submitted_after=2022-13-01",
        "?type=bogus",
        "?agency=NOPE",
        "?q=" + "x" * 500,
        "?psc=%%%",
        "?page=abc&sort=nonsense",
    ],
)
def test_bad_filter_input_gives_messages_not_errors(client, record, query):
    response = client.get("/stats/" + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be used and were left out" in html
    # The unusable filter is left out: the figures cover the whole public record.
    assert "5 public waivers match" in html or "All 5 public waivers" in html


def test_good_filters_still_apply_beside_a_bad_one(client, record):
    html = client.get("/stats/?type=jones_act&naics=abc").content.decode()
    assert "Some filters could not be used" in html
    assert "1 public waiver match the filters below." in html


def test_url_filters_are_kept_by_the_form(client, record):
    """Filters the controls show come back ticked; the others ride along as
    hidden fields, so applying the form loses none of them."""
    html = client.get(
        "/stats/?country=FR&open=true&agency=013&agency=1341&has_responses=true"
        "&expires_after=2020-01-01"
    ).content.decode()
    assert 'name="country" value="FR" checked' in html
    assert 'name="open" value="true" checked' in html
    assert 'name="agency" value="013" checked' in html
    assert 'name="agency" value="1341" checked' in html
    assert '<input type="hidden" name="has_responses" value="true">' in html
    assert '<input type="hidden" name="expires_after" value="2020-01-01">' in html
    assert 'type="hidden" name="agency"' not in html


def _controls(html: str) -> set[str]:
    """The ids of the filter controls on a page (facets, options, boxes)."""
    return set(re.findall(r'id="((?:facet|f|search)-[^"]+)"', html))


@pytest.mark.parametrize("query", ["", "?type=jones_act&country=FR", "?q=laser&more=agency"])
def test_the_stats_page_has_the_search_pages_filter_controls(client, record, query):
    stats = client.get("/stats/" + query).content.decode()
    search = client.get("/waivers/" + query).content.decode()
    controls = _controls(stats)
    assert {"facet-type", "facet-status", "facet-agency", "facet-psc", "facet-naics"} <= controls
    assert {"search-q", "search-agency", "search-submitted-after"} <= controls
    # Everything the search page offers to filter with, and with the same counts.
    layout = ("search-sort", "search-page-size", "search-results", "search-form")
    search_controls = {c for c in _controls(search) if c not in layout}
    assert controls == search_controls
    counts = re.compile(r'for="(f-[^"]+)">[^<]*<span class="site-facet__count">\((\d+)\)')
    assert dict(counts.findall(stats)) == dict(counts.findall(search))


def test_stats_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(10):
        post(WaiverFactory())
    for _ in range(10):
        post(WaiverFactory(), to=Waiver.Status.DECIDED)
    # Seven for the waivers' figures, one for supplier responses by agency and
    # category, seven for the filter controls' counts (as on the search page),
    # and the result count with the table's size, read for the figures and the
    # facets each (waivers.counting.budgeted; inside the test's transaction
    # nothing is cached).
    with django_assert_max_num_queries(19) as small:
        assert client.get("/stats/?q=laser&type=nonavailability").status_code == 200
    for _ in range(10):
        post(WaiverFactory(), to=Waiver.Status.REVIEWED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/stats/?q=laser&type=nonavailability").status_code == 200


def test_cached_charts_follow_a_write_and_the_filters(client, record):
    """The rendered charts are cached under the figures' key: a new waiver or
    another filter never gets the charts of the old figures."""
    consistent = row("Consistent with policy", 1)
    assert consistent in client.get("/stats/").content.decode()
    assert consistent not in client.get("/stats/?type=urgent_report").content.decode()
    post(WaiverFactory(), to=Waiver.Status.REVIEWED)
    assert row("Consistent with policy", 2) in client.get("/stats/").content.decode()


# --- issue 17: periods, separators, the filter controls ----------------------


def _months(first: str, count: int, every: int = 0) -> list[dict]:
    import datetime as dt

    year, month = map(int, first.split("-"))
    rows = []
    for index in range(count):
        day = dt.date(year + (month - 1 + index) // 12, (month - 1 + index) % 12 + 1, 1)
        n = 1 if every and index % every == 0 else 0
        rows.append(
            {
                "month": day.strftime("%Y-%m"),
                "label": day.strftime("%b %Y"),
                "total": n,
                "by_type": {"nonavailability": n, "jones_act": 0},
            }
        )
    return rows


def test_a_short_span_is_shown_by_month():
    from waivers.views.stats import periods

    shown = periods(_months("2024-01", 12, every=3))
    assert shown["unit"] == "month" and len(shown["rows"]) == 12


def test_a_long_span_is_rolled_up_by_year():
    from waivers.views.stats import periods

    shown = periods(_months("2021-07", 60, every=5))  # Jul 2021 .. Jun 2026
    assert shown["unit"] == "year"
    assert [row["label"] for row in shown["rows"]] == [
        "2021",
        "2022",
        "2023",
        "2024",
        "2025",
        "2026",
    ]
    assert sum(row["total"] for row in shown["rows"]) == 12
    assert sum(row["by_type"]["nonavailability"] for row in shown["rows"]) == 12
    assert shown["rows"][0]["total"] == 2  # Jul and Dec 2021


def test_the_stats_page_rolls_years_and_separates_thousands(client, record):
    old = post(WaiverFactory(), at=site_data.aware(2019, 1, 15))
    assert old.submitted_at.year == 2019
    html = client.get("/stats/").content.decode()
    assert "Waivers per year, by type" in html
    assert '<th scope="row">2019</th>' in html
    assert "Waivers per month" not in html


def test_the_stats_form_asks_for_an_agency_by_name_or_code(client, record):
    html = client.get("/stats/").content.decode()
    assert "An agency’s name (Coast Guard)" in html
    assert 'name="submitted_after" type="date"' in html
    assert "YYYY-MM-DD" not in html
    waiver = record[Waiver.Type.NONAVAILABILITY]
    name = waiver.contracting_agency.name
    response = client.get("/stats/", {"agency": name})
    assert response.status_code == 200
    assert response.context["stats"]["total"] >= 1
    assert not response.context["form"].errors
