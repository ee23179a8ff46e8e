"""waivers.counting: counts exact within a time budget, else estimated from a
sample and said to be ("about"); page numbers that stop at PAGING_LIMIT rows."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from tests.waivers.search_catalogue import build_catalogue, bulk_waivers
from waivers import counting
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def sleep(seconds: float):
    def run():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return "done"

    return run


# --- the budget ------------------------------------------------------------------


def test_a_statement_over_its_budget_is_cancelled_and_the_timeout_put_back():
    before = statement_timeout()
    with pytest.raises(counting.OverBudget):
        counting.within_budget("default", 50, sleep(2))
    assert statement_timeout() == before
    # The connection is still usable: the cancelled statement's savepoint was
    # rolled back, not the test's transaction.
    assert Waiver.objects.count() == 0


def test_a_statement_within_its_budget_returns_and_the_timeout_is_put_back():
    before = statement_timeout()
    assert counting.within_budget("default", 5000, sleep(0.01)) == "done"
    assert statement_timeout() == before


def test_no_statement_starts_once_the_budget_is_spent():
    """Each statement is within the budget; together they are not."""
    started = []

    def three_naps():
        for _ in range(3):
            started.append(True)
            sleep(0.04)()

    with pytest.raises(counting.OverBudget):
        counting.within_budget("default", 60, three_naps)
    assert len(started) == 3  # the third was refused before it reached the database


def test_other_database_errors_are_not_taken_for_an_overrun():
    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    with pytest.raises(Exception) as raised:
        counting.within_budget("default", 5000, broken)
    assert not isinstance(raised.value, counting.OverBudget)


# --- estimates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "shown"),
    [(0, 0), (7, 7), (99.4, 99), (123_456, 120_000), (987_654, 990_000), (1_049, 1_000)],
)
def test_estimates_keep_two_significant_figures(rows, shown):
    assert counting.round_estimate(rows) == shown


def test_a_whole_table_sample_counts_exactly():
    bulk_waivers(12)
    public = Waiver.objects.public()
    assert counting.sampled_count(public, counting.Sample(100.0)) == 12
    assert counting.sampled_count(public.filter(pk__lt=0), counting.Sample(100.0)) == 0


def test_a_samples_matching_rows_are_kept_by_id(monkeypatch):
    waivers = bulk_waivers(5)
    public = Waiver.objects.public()
    sample = counting.Sample(100.0)
    found = counting.sampled_rows(public, sample)
    assert found.count == 5 and sorted(found.ids) == sorted(w.pk for w in waivers)
    assert counting.sampled_count(public, sample) == 5
    assert counting.sampled_rows(public.filter(pk__lt=0), sample) == counting.SampledRows(0, ())
    monkeypatch.setattr(counting, "SAMPLE_IDS_LIMIT", 4)  # more matches than are kept
    assert counting.sampled_rows(public.filter(pk__gt=0), sample) == counting.SampledRows(5, None)


def test_a_search_page_over_a_sample_reads_the_sample_once(committed_db, client, over_budget):
    """The result's count reads the sample's matching rows and keeps them
    (cached); the facets count them by id instead of reading the sample again."""
    cache.clear()
    bulk_waivers(3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/waivers/", {"q": "laser"})
    assert "About 3 waivers" in response.content.decode()
    sampled = [q["sql"] for q in captured.captured_queries if "TABLESAMPLE" in q["sql"]]
    assert len(sampled) == 1 and "array_agg" in sampled[0]
    cache.clear()


def test_facets_over_a_sample_read_the_results_kept_rows_by_id(monkeypatch, over_budget):
    """The result's count read the sample's matching rows; the facets count
    those rows by id (no second read of the sample) and give what the sample
    itself gives."""
    from waivers.filters import WaiverFilterSet
    from waivers.selectors import facets

    bulk_waivers(4)
    build_catalogue()
    filterset = WaiverFilterSet(QueryDict("q=laser"), queryset=Waiver.objects.public())
    filterset.is_valid()
    counting.result_count(filterset.unordered_qs)  # as the page does first
    with CaptureQueriesContext(connection) as captured:
        by_id = facets._counts(filterset, counting.Sample(100.0))
    grouped = [q["sql"] for q in captured.captured_queries if "GROUPING SETS" in q["sql"]]
    assert len(grouped) == 1 and "TABLESAMPLE" not in grouped[0]
    assert '"waivers_waiver"."id" IN (' in grouped[0]

    monkeypatch.setattr(counting, "SAMPLE_IDS_LIMIT", 0)  # none kept: the sample itself
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        sampled = facets._counts(filterset, counting.Sample(100.0))
    grouped = [q["sql"] for q in captured.captured_queries if "GROUPING SETS" in q["sql"]]
    assert len(grouped) == 1 and "TABLESAMPLE" in grouped[0]
    assert by_id == sampled
    assert by_id["type"] == {"nonavailability": 5, "urgent_report": 1}  # "laser" in 6 waivers


def test_a_query_reading_the_table_twice_is_not_sampled():
    """A subquery over the waivers would be sampled too and change meaning."""
    twice = Waiver.objects.filter(pk__in=Waiver.objects.public().values("pk"))
    sql, _ = twice.values("pk").query.sql_with_params()
    assert counting.Sample(1.0).sql(sql) is None
    assert counting.sampled(sql, counting.Sample(1.0)) == (sql, None)
    assert counting.sampled_count(twice, counting.Sample(1.0)) is None


def test_a_join_to_the_waiver_table_is_not_sampled():
    sql = 'SELECT 1 FROM "agencies_agency" INNER JOIN "waivers_waiver" ON (1 = 1)'
    assert counting.Sample(1.0).sql(sql) is None
    both = sql.replace('"agencies_agency" INNER', '"waivers_waiver" W0 INNER')
    assert counting.Sample(1.0).sql(both) is None


def test_a_count_that_cannot_be_sampled_takes_the_planners_estimate(over_budget):
    bulk_waivers(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE waivers_waiver")
    twice = Waiver.objects.filter(pk__in=Waiver.objects.public().values("pk"))
    count = counting.result_count(twice)
    assert not count.exact
    assert 1 <= count.value <= 10  # the planner's estimate of 5 rows


def test_the_sample_follows_the_size_of_the_table():
    sample = counting.Sample(2.5)
    assert sample.scale == 40
    assert sample.estimate(250) == 10_000
    sql, _ = Waiver.objects.public().values("pk").query.sql_with_params()
    assert 'FROM "waivers_waiver" TABLESAMPLE SYSTEM (2.5000) REPEATABLE (19)' in sample.sql(sql)


def test_from_half_a_million_waivers_the_sample_is_one_waiver_in_a_hundred(monkeypatch):
    monkeypatch.setattr(counting, "table_rows", lambda using: 10.0**6)
    assert counting.table_sample("default") == counting.Sample(1.0, by_id=True)
    monkeypatch.setattr(counting, "table_rows", lambda using: 400_000.0)
    assert counting.table_sample("default") == counting.Sample(2.5)
    monkeypatch.setattr(counting, "table_rows", lambda using: 100_000.0)
    assert counting.table_sample("default") == counting.Sample(10.0)


def keyword_rows(q: str, queryset=None):
    from waivers.filters import WaiverFilterSet

    queryset = Waiver.objects.public() if queryset is None else queryset
    filterset = WaiverFilterSet(QueryDict(f"q={q}"), queryset=queryset)
    assert filterset.is_valid()
    return filterset.unordered_qs


def plan(sql: str, params, *settings: str) -> str:
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", *settings):  # the plans a large table gets
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_keyword_searchs_sample_is_the_waivers_whose_id_is_a_multiple_of_a_hundred():
    """Read through their own keyword index. (The plan is asked of the
    keyword alone: on a near-empty table the planner would take a small
    partial index of the public filter instead.)"""
    sample = counting.Sample(1.0, by_id=True)
    keyword, params = (
        keyword_rows("laser", Waiver.objects.all()).values("pk").order_by().query.sql_with_params()
    )
    over_ids = sample.sql(keyword)
    assert 'FROM (SELECT * FROM "waivers_waiver" WHERE MOD("waivers_waiver"."id", 100) = 0)' in (
        over_ids
    )
    assert "TABLESAMPLE" not in over_ids
    assert "waiver_sample_search_gin" in plan(over_ids, params)


def test_the_id_samples_filters_and_facets_are_read_from_its_own_index(monkeypatch):
    """Every filter but the keywords at once, and every facet: each figure over
    their sample (ids leaving 1 divided by 100) is an index-only scan of
    waiver_figure_sample_idx, which must hold every column they read
    (SAMPLE_COLUMNS)."""
    from waivers.filters import WaiverFilterSet
    from waivers.selectors import facets

    monkeypatch.setattr(counting, "SAMPLE_IDS_LIMIT", 0)  # facets read the sample itself
    params = QueryDict(
        "type=nonavailability&status=reviewed&determination=consistent&decision=granted"
        "&agency=1341&naics=33&psc=66&country=DE&stage=pre_solicitation&coverage=individual"
        "&submitted_after=2023-01-01&submitted_before=2026-01-01&open=true&has_responses=false"
        "&expires_after=2024-01-01&expires_before=2027-01-01&ending_within=90"
    )
    filterset = WaiverFilterSet(params, queryset=Waiver.objects.public())
    assert filterset.is_valid(), filterset.errors
    sample = counting.Sample(1.0, by_id=True)
    with CaptureQueriesContext(connection) as captured:
        counting.sampled_rows(filterset.unordered_qs, sample)
        facets._counts(filterset, sample)
    over_sample = [q["sql"] for q in captured.captured_queries if "MOD(" in q["sql"]]
    assert len(over_sample) > 5  # the count, and the facets of each filter in use
    for sql in over_sample:
        assert "TABLESAMPLE" not in sql
        assert 'MOD("waivers_waiver"."id", 100) = 1)' in sql
        # (The compiled SQL has its parameters written in.)
        found = plan(sql.replace("%", "%%"), (), "enable_bitmapscan")
        assert "Index Only Scan using waiver_figure_sample_idx" in found, found


def test_an_estimate_from_an_id_sample_is_a_hundred_times_its_matches():
    with connection.cursor() as cursor:  # the next waivers are 1100, 1101 and 1102
        cursor.execute("SELECT setval(pg_get_serial_sequence('waivers_waiver', 'id'), 1099)")
    made = bulk_waivers(3)
    assert [w.pk for w in made] == [1100, 1101, 1102]
    sample = counting.Sample(1.0, by_id=True)
    assert counting.sampled_rows(keyword_rows("laser"), sample) == counting.SampledRows(1, (1100,))
    assert counting.sampled_count(keyword_rows("laser"), sample) == 100
    assert counting.sampled_count(keyword_rows("laser").filter(pk__gt=1100), sample) == 0
    # Other figures read the other sample: of these three, waiver 1101.
    assert counting.sampled_rows(Waiver.objects.filter(pk__gte=1100), sample) == (
        counting.SampledRows(1, (1101,))
    )


@pytest.fixture
def over_budget(monkeypatch):
    """The table is taken to be large (a million rows) and every budgeted
    query overruns, as broad searches do over a large record: the fallback
    is then taken for real, over a whole-table sample (which counts these
    few rows exactly, so the figures can be checked)."""

    def overrun(using, budget_ms, compute):
        raise counting.OverBudget

    monkeypatch.setattr(counting, "within_budget", overrun)
    monkeypatch.setattr(counting, "table_rows", lambda using: 10.0**6)
    monkeypatch.setattr(counting, "table_sample", lambda using: counting.Sample(100.0))


def test_a_count_over_budget_is_estimated_and_cached_as_an_estimate(over_budget):
    bulk_waivers(3)
    count = counting.result_count(Waiver.objects.public())
    assert count == counting.ResultCount(3, exact=False)
    assert str(count) == "about 3"
    assert counting.result_count(Waiver.objects.public()) == count


def test_a_count_the_planner_expects_to_be_large_is_not_tried(monkeypatch):
    """Estimated from the sample straight away: trying would only spend the budget."""
    bulk_waivers(3)
    tried = []
    monkeypatch.setattr(counting, "within_budget", lambda *args: tried.append(args))
    monkeypatch.setattr(counting, "table_rows", lambda using: 10.0**6)
    monkeypatch.setattr(counting, "table_sample", lambda using: counting.Sample(100.0))
    monkeypatch.setattr(counting, "planner_estimate", lambda rows: counting.countable_rows() + 1)
    assert counting.result_count(Waiver.objects.public()) == counting.ResultCount(3, exact=False)
    assert tried == []


def record_budgets(monkeypatch) -> list:
    """A million-row table whose sample is the whole table, where
    within_budget runs every computation and records its budget (returned)."""
    budgets = []

    def within_budget(using, budget_ms, compute):
        budgets.append(budget_ms)
        return compute()

    monkeypatch.setattr(counting, "within_budget", within_budget)
    monkeypatch.setattr(counting, "table_rows", lambda using: 10.0**6)
    monkeypatch.setattr(counting, "table_sample", lambda using: counting.Sample(100.0))
    return budgets


def test_the_largest_count_tried_follows_the_budget(monkeypatch, settings):
    """What a count may be expected to read is what the budget can read: an
    estimate at the limit is tried, one above it is not."""
    bulk_waivers(3)
    settings.COUNT_BUDGET_MS = 50
    assert counting.countable_rows() == 15_000
    settings.COUNT_BUDGET_MS = 200
    assert counting.countable_rows() == 60_000
    tried = record_budgets(monkeypatch)
    monkeypatch.setattr(counting, "planner_estimate", lambda rows: 60_000)
    assert counting.result_count(Waiver.objects.public()) == counting.ResultCount(3, exact=True)
    assert tried == [200]
    cache.clear()
    settings.COUNT_BUDGET_MS = 199
    assert counting.result_count(Waiver.objects.public()) == counting.ResultCount(3, exact=False)
    assert tried == [200]


def test_a_count_within_budget_is_exact():
    bulk_waivers(3)
    count = counting.result_count(Waiver.objects.public())
    assert count == counting.ResultCount(3, exact=True)
    assert str(count) == "3"


def test_the_search_page_says_about_for_estimated_counts(client, over_budget):
    bulk_waivers(3)
    response = client.get("/waivers/")
    html = response.content.decode()
    assert "About 3 waivers" in html
    assert "Skip to the about 3 results" in html
    facets = response.context["result"].controls.facets
    assert facets["type"].estimated and facets["country"].estimated
    assert "Counts marked “about” are estimated from a random sample" in html
    assert "Nonavailability <span" in html and "(about 3)" in html


def test_the_search_page_shows_exact_counts_plainly(client):
    bulk_waivers(3)
    html = client.get("/waivers/").content.decode()
    assert "3 waivers" in html and "About 3" not in html
    assert "estimated from a random sample" not in html and "(about" not in html


def test_the_api_says_whether_its_count_is_exact(client, over_budget):
    bulk_waivers(3)
    body = client.get("/api/v1/waivers/").json()
    assert body["count"] == 3 and body["count_exact"] is False


def test_an_estimate_above_the_true_number_never_shows_an_empty_page(client, monkeypatch):
    """The estimate says 60 waivers (three pages of 25); there are 30."""
    bulk_waivers(30)
    monkeypatch.setattr(
        counting, "result_count", lambda queryset: counting.ResultCount(60, exact=False)
    )
    response = client.get("/waivers/", {"page": "3"})
    assert response.status_code == 200
    assert response.context["result"].page.number == 1
    assert "fewer results than estimated" in response.content.decode()
    api = client.get("/api/v1/waivers/", {"page": "3"})
    assert api.status_code == 404
    second = client.get("/api/v1/waivers/", {"page": "2"}).json()
    assert len(second["results"]) == 5 and second["next"] is None


def test_the_estimated_last_page_is_not_called_the_last(client, monkeypatch):
    bulk_waivers(30)
    monkeypatch.setattr(
        counting, "result_count", lambda queryset: counting.ResultCount(30, exact=False)
    )
    html = client.get("/waivers/").content.decode()
    assert 'aria-label="Page 2"' in html and "last page" not in html


# --- page numbers stop at PAGING_LIMIT rows ---------------------------------------------


def test_site_pages_stop_at_the_paging_limit_and_say_how_to_read_the_rest(client, monkeypatch):
    monkeypatch.setattr(counting, "PAGING_LIMIT", 20)
    bulk_waivers(30)
    first = client.get("/waivers/", {"page_size": "10"})
    assert first.context["result"].page.paginator.num_pages == 2
    assert "30 waivers" in first.content.decode()  # the total is still the true one
    last = client.get("/waivers/", {"page_size": "10", "page": "2"}).content.decode()
    assert "Pages stop at the first 20 results" in last
    assert "API&#x27;s cursor" in last or "API's cursor" in last
    past = client.get("/waivers/", {"page_size": "10", "page": "3"})
    assert past.context["result"].page.number == 2
    assert "There is no page 3: pages stop at the first 20 results" in past.content.decode()


def test_api_pages_stop_at_the_paging_limit_and_point_to_the_cursor(client, monkeypatch):
    monkeypatch.setattr(counting, "PAGING_LIMIT", 20)
    bulk_waivers(30)
    second = client.get("/api/v1/waivers/", {"page_size": "10", "page": "2"}).json()
    assert second["count"] == 30 and second["num_pages"] == 3
    assert len(second["results"]) == 10 and second["next"] is None
    third = client.get("/api/v1/waivers/", {"page_size": "10", "page": "3"})
    assert third.status_code == 404
    assert "cursor=*" in third.json()["detail"]
    # The cursor reaches every row.
    walked, url = [], "/api/v1/waivers/?cursor=*&page_size=10"
    while url:
        body = client.get(url).json()
        walked += body["results"]
        url = body["next"]
    assert len(walked) == 30


# --- the statistics ----------------------------------------------------------------------


def test_statistics_over_budget_are_estimated_from_the_sample_and_said_to_be(client, over_budget):
    bulk_waivers(4)
    stats = client.get("/api/v1/stats/").json()
    assert stats["estimated"] is True and stats["sample_percent"] == 100.0
    # A whole-table sample: the estimates are the exact figures.
    assert stats["total"] == 4
    assert sum(month["total"] for month in stats["per_month"]) == 4
    assert stats["review_time"]["max_days"] is None
    html = client.get("/stats/").content.decode()
    assert "About 4 public waivers" in html
    assert "These figures are <strong>estimates</strong>" in html
    assert "random sample of 100.0% of the waivers" in html


def test_statistics_within_budget_are_exact(client):
    bulk_waivers(4)
    stats = client.get("/api/v1/stats/").json()
    assert stats["estimated"] is False and stats["sample_percent"] is None
    assert stats["total"] == 4
    assert "estimates" not in client.get("/stats/").content.decode()


def test_a_statement_reading_the_table_twice_stops_the_sample():
    bulk_waivers(2)
    twice = Waiver.objects.filter(pk__in=Waiver.objects.public().values("pk"))
    with (
        pytest.raises(counting.CannotSample),
        counting.over_sample("default", counting.Sample(50.0)),
    ):
        twice.count()
    # Statements that do not read the waiver table run as they are.
    with counting.over_sample("default", counting.Sample(50.0)):
        assert Waiver.objects.none().count() == 0
        assert Agency.objects.exists()


def test_a_small_table_is_counted_exactly_without_a_budget(client, monkeypatch):
    """No larger than a sample: exact, whatever the server's speed (a budget
    that always overruns is never consulted)."""
    bulk_waivers(3)

    def overrun(using, budget_ms, compute):
        raise counting.OverBudget

    monkeypatch.setattr(counting, "within_budget", overrun)
    assert counting.table_rows("default") <= counting.SAMPLE_ROWS
    assert counting.result_count(Waiver.objects.public()) == counting.ResultCount(3)
    assert client.get("/api/v1/stats/").json()["estimated"] is False
    html = client.get("/waivers/").content.decode()
    assert "3 waivers" in html and "About 3" not in html and "(about" not in html


def test_facets_in_use_over_many_rows_are_estimated_without_trying(monkeypatch):
    """The type facet, with a type ticked, counts every type: when the planner
    expects more than countable_rows() there, the facets come from the sample
    and only the (small) result itself is counted within the budget."""
    from waivers.filters import WaiverFilterSet
    from waivers.selectors.facets import facet_counts

    bulk_waivers(3)
    cache.clear()  # another test's count of the same rows, under the same data version
    budgeted = record_budgets(monkeypatch)
    monkeypatch.setattr(
        counting,
        "planner_estimate",
        lambda rows: (
            1
            if "waiver_type" in str(rows.query).partition("WHERE")[2]
            else counting.countable_rows() + 1
        ),
    )
    filterset = WaiverFilterSet(QueryDict("type=nonavailability"), queryset=Waiver.objects.public())
    facets = facet_counts(filterset)
    assert facets["type"].estimated
    assert len(budgeted) == 1  # the result's count, not the facets
