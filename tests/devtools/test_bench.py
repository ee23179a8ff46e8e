"""A small smoke run of `manage.py bench`: every figure and its floors come
out in the JSON (the full runs at 10k-1M rows are documented in
docs/performance.md; they are not part of the test suite)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from devtools.bench.runner import TARGETS_MS
from tests.factories import WaiverFactory

pytestmark = pytest.mark.django_db

FIGURES = set(TARGETS_MS)


def test_small_bench_run_reports_every_figure_with_its_floor(tmp_path):
    out = tmp_path / "bench.json"
    stdout = io.StringIO()
    call_command(
        "bench",
        "--rows",
        "200",
        "--reps",
        "2",
        "--warmup",
        "1",
        "--no-load",
        "--import-records",
        "10",
        "--export-in-process",
        "--out",
        str(out),
        stdout=stdout,
    )
    data = json.loads(out.read_text())
    assert data["machine"]["nproc"] >= 1
    [size] = data["sizes"]
    assert size["rows"] == 200
    assert size["load"]["public_rows"] > 150
    generated = size["load"]["generate"]
    assert generated["created"] == 200
    assert generated["rows_per_second"] > 0
    assert generated["meets_target"] == (generated["rows_per_second"] >= 20_000)
    assert set(size["figures"]) == FIGURES
    for key, figure in size["figures"].items():
        # Pages under construction are reported as missing, never invented.
        assert figure["status"] in ("ok", "missing"), (key, figure)
        if figure["status"] == "ok":
            for mode in ("warm", "cold"):
                assert figure[mode]["n"] == 2
                assert figure[mode]["p95_ms"] >= figure[mode]["p50_ms"] > 0
                assert figure[mode]["sql_floor"]["p95_ms"] > 0
                assert figure[mode]["non_200"] == 0
            assert figure["target_p95_ms"] == TARGETS_MS[key]
            assert isinstance(figure["within_floor_rule"], bool)
    assert size["floors"]["bare_view"]["p95_ms"] > 0
    export = size["csv_export"]
    assert export["status"] in ("ok", "missing")
    if export["status"] == "ok":
        assert export["rows"] == size["load"]["public_rows"]
        assert export["rows_per_second"] > 0 and export["peak_rss_mb"] > 0
        assert export["sql_floor"]["rows"] == export["rows"]
    assert size["import"]["status"] in ("ok", "missing")
    if size["import"]["status"] == "ok":
        assert size["import"]["records_per_second"] > 0
        assert size["import"]["rejected"] == 0
    assert size["refresh_figures"]["refreshed"] == 0  # nothing near the threshold
    text = stdout.getvalue()
    assert "SQL floor" in text and "bare_view (floor)" in text
    assert "generate_waivers: 200 rows" in text and "target 20,000" in text


def test_only_measures_the_figures_named_and_first_precomputes(tmp_path, settings):
    settings.FIGURE_SNAPSHOT_MIN_WAIVERS = 50
    out = tmp_path / "bench.json"
    call_command(
        "bench",
        *("--rows", "100", "--reps", "1", "--warmup", "0", "--no-cold"),
        *("--only", "scorecard,detail_page", "--out", str(out)),
        stdout=io.StringIO(),
    )
    [size] = json.loads(out.read_text())["sizes"]
    assert set(size["figures"]) == {"scorecard", "detail_page"}
    assert size["csv_export"]["status"] == size["import"]["status"] == "skipped"
    assert "load_test" not in json.loads(out.read_text())
    refreshed = size["refresh_figures"]
    assert refreshed["min_waivers"] == 50 and refreshed["refreshed"] >= 1
    assert "scorecard" in {row["name"] for row in refreshed["slowest"]}


def test_bench_refuses_a_database_with_real_waivers():
    WaiverFactory()
    with pytest.raises(CommandError, match="throwaway database"):
        call_command("bench", "--rows", "10", "--no-load", stdout=io.StringIO())


@pytest.mark.parametrize(
    "args",
    [
        ["--rows", "abc"],
        ["--rows", "0"],
        ["--reps", "0"],
        ["--load-clients", "500"],
        ["--only", "no_such_figure"],
    ],
)
def test_bench_rejects_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("bench", *args, stdout=io.StringIO())


def test_the_sql_floor_replays_past_a_statement_its_budget_cancelled(committed_db):
    """A request's count or sort-index walk may run out of its budget and be
    cancelled; the request goes on with its fallback, and so does the replay."""
    from django.db import connection
    from psycopg.pq import TransactionStatus

    from devtools.bench.runner import _run_sql

    connection.ensure_connection()
    raw = connection.connection
    statements = [
        "BEGIN",
        "SELECT set_config('statement_timeout', '50ms', true)",
        "SELECT pg_sleep(5)",  # cancelled after 50 ms
        "SELECT set_config('statement_timeout', '0', true)",
        "COMMIT",
        "CREATE TEMPORARY TABLE after_the_budget (n int)",  # the fallback still runs
    ]
    ms = _run_sql(raw, statements)
    assert 50 <= ms < 4000
    assert raw.info.transaction_status == TransactionStatus.IDLE
    with raw.cursor() as cursor:
        cursor.execute("SELECT to_regclass('after_the_budget') IS NOT NULL")
        assert cursor.fetchone() == (True,)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("0",)
