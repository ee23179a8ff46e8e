"""Precomputed figures (waivers.snapshots): which figures are precomputed,
that a snapshot holds exactly what a live computation gives, that a cold
cache reads it instead of recomputing, and that between a change and the
next refresh the previous figures are served labelled, never as current.

The tests commit (committed_db): a transaction that has written computes
everything live, as a request inside such a transaction must.
"""

import datetime as dt

import psycopg
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency
from miao_site.connection_url import connection_url
from tests.waivers.test_categories import D, make
from waivers import snapshots
from waivers.models import FigureSnapshot
from waivers.selectors import categories, scorecard

pytestmark = pytest.mark.usefixtures("committed_db")


@pytest.fixture
def waivers(settings):
    """NIST (1341, Commerce) three waivers, NIH (7529, HHS) one: with a
    threshold of 3, the scorecard and NAICS 33 (4), Commerce and NIST, PSC 66
    and 6640, NAICS 334, 3345, 33451 and 334516 (3 each) are precomputed; PSC
    65 / 6515, NAICS 339... and HHS and NIH (1 each) are not."""
    settings.FIGURE_SNAPSHOT_MIN_WAIVERS = 3
    make("1341", "6640", "334516", "2025-03-03", D.CONSISTENT, "2025-03-05")
    make("1341", "6640", "334516", "2025-04-07", D.CONSISTENT, "2025-04-17")
    make("1341", "6640", "334516", "2025-05-05", D.CONSISTENT, "2025-05-07")
    make("7529", "6515", "339112", "2025-01-06", D.CONDITIONALLY_CONSISTENT, "2025-01-10")
    cache.clear()


EXPECTED = {
    "scorecard",
    "agency:013",
    "agency:1341",
    "category:psc:66",
    "category:psc:6640",
    "category:naics:33",
    "category:naics:334",
    "category:naics:3345",
    "category:naics:33451",
    "category:naics:334516",
}


def nist_url() -> str:
    return Agency.objects.get(code="1341").get_absolute_url()


def names() -> set[str]:
    return set(FigureSnapshot.objects.values_list("name", flat=True))


def test_only_figures_over_the_threshold_are_precomputed(waivers):
    report = snapshots.refresh()
    assert names() == EXPECTED
    assert {r.name: r.waivers for r in report.refreshed}["scorecard"] == 4
    assert {r.name: r.waivers for r in report.refreshed}["category:psc:66"] == 3
    again = snapshots.refresh()
    assert again.refreshed == [] and again.current == len(EXPECTED) and again.deleted == 0


def test_nothing_is_precomputed_below_the_default_threshold(waivers, settings):
    settings.FIGURE_SNAPSHOT_MIN_WAIVERS = 20000
    report = snapshots.refresh()
    assert names() == set() and report.refreshed == []
    assert categories.category_figures("psc", "66")["total"] == 3


def test_a_snapshot_holds_exactly_the_live_figures(waivers):
    live = {
        "psc": categories.category_figures("psc", "66"),
        "naics": categories.category_figures("naics", "334516"),
        "scorecard": scorecard.scorecard(),
        "trend": scorecard.agency_trend(Agency.objects.get(code="1341")),
    }
    snapshots.refresh()
    stored = {s.name: s.figures for s in FigureSnapshot.objects.all()}
    assert {**stored["category:psc:66"], "as_of": None} == live["psc"]
    assert {**stored["category:naics:334516"], "as_of": None} == live["naics"]
    assert {**stored["scorecard"], "as_of": None} == live["scorecard"]
    assert {**stored["agency:1341"], "as_of": None} == live["trend"]
    assert isinstance(stored["category:psc:66"]["first"], dt.date)  # dates come back as dates


def test_a_cold_cache_reads_the_snapshot_instead_of_recomputing(waivers):
    snapshots.refresh()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        figures = categories.category_figures("psc", "66")
    # The data version (read afresh on each call outside a request) and the
    # snapshot; no aggregate over waivers.
    sql = [q["sql"] for q in queries]
    assert [s for s in sql if "waivers_dataversion" not in s] == [
        s for s in sql if "waivers_figuresnapshot" in s
    ]
    assert len([s for s in sql if "waivers_figuresnapshot" in s]) == 1
    assert figures["total"] == 3 and figures["as_of"] is None
    with CaptureQueriesContext(connection) as queries:  # now from the cache
        categories.category_figures("psc", "66")
    assert all("waivers_dataversion" in q["sql"] for q in queries)


def test_refresh_puts_the_figures_in_the_cache(waivers):
    snapshots.refresh()
    with CaptureQueriesContext(connection) as queries:
        scorecard.scorecard()
    assert all("waivers_dataversion" in q["sql"] for q in queries)  # nothing else


def test_after_a_change_the_previous_figures_are_served_labelled_until_refreshed(waivers, client):
    snapshots.refresh()
    computed_at = FigureSnapshot.objects.get(name="category:psc:66").computed_at
    make("1341", "6640", "334516", "2025-06-02", D.CONSISTENT, "2025-06-04")
    cache.clear()

    figures = categories.category_figures("psc", "66")
    assert figures["total"] == 3 and figures["as_of"] == computed_at
    page = client.get("/categories/psc/66/").content.decode()
    assert "These figures were computed on" in page
    assert "3 public waivers name this" in page
    assert "These figures were computed on" in client.get("/agencies/").content.decode()
    assert "These figures were computed on" in client.get(nist_url()).content.decode()
    assert client.get("/api/v1/agencies/scorecard/").json()["as_of"] is not None
    figures_csv = client.get("/categories/psc/66/figures.csv").content.decode()
    assert "computed_at,when these figures were computed" in figures_csv
    assert computed_at.isoformat() in figures_csv
    # Never cached as current: the same figures again, from the snapshot.
    assert categories.category_figures("psc", "66")["as_of"] == computed_at

    report = snapshots.refresh()
    assert {r.name for r in report.refreshed} == EXPECTED
    page = client.get("/categories/psc/66/").content.decode()
    assert "These figures were computed on" not in page
    assert "4 public waivers name this" in page
    assert "These figures were computed on" not in client.get("/agencies/").content.decode()
    assert client.get("/api/v1/agencies/scorecard/").json()["as_of"] is None
    assert "computed_at" not in client.get("/categories/psc/66/figures.csv").content.decode()


def test_small_figures_are_computed_live_after_a_change(waivers):
    snapshots.refresh()
    make("7529", "6515", "339112", "2025-02-03", D.CONSISTENT, "2025-02-05")
    assert categories.category_figures("psc", "65")["total"] == 2  # no snapshot: live


def test_figures_that_fall_below_the_threshold_lose_their_snapshot(waivers, settings):
    snapshots.refresh()
    settings.FIGURE_SNAPSHOT_MIN_WAIVERS = 4
    report = snapshots.refresh()
    assert names() == {"scorecard", "category:naics:33"}
    assert report.deleted == len(EXPECTED) - 2


def test_a_snapshot_from_an_earlier_day_is_recomputed(waivers):
    snapshots.refresh()
    yesterday = FigureSnapshot.objects.get(name="scorecard").computed_at - dt.timedelta(days=1)
    FigureSnapshot.objects.filter(name="scorecard").update(computed_at=yesterday)
    report = snapshots.refresh()
    assert [r.name for r in report.refreshed] == ["scorecard"]
    assert FigureSnapshot.objects.get(name="scorecard").computed_at > yesterday


def test_refresh_figures_command(waivers):
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("refresh_figures", stdout=Out())
    assert "".join(out).startswith(f"Figures: {len(EXPECTED)} refreshed")
    call_command("refresh_figures", stdout=Out())
    assert f"0 refreshed in 0.0 s, {len(EXPECTED)} current, 0 deleted" in "".join(out)


def test_a_refresh_skips_while_another_runs(waivers):
    with psycopg.connect(connection_url()) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [snapshots.REFRESH_LOCK])
        report = snapshots.refresh()
        assert report.skipped and str(report) == "skipped: another refresh is running"
        assert names() == set()
        other.execute("SELECT pg_advisory_unlock(%s)", [snapshots.REFRESH_LOCK])
        assert len(snapshots.refresh().refreshed) == len(EXPECTED)
