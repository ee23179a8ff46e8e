"""The benchmark run behind `manage.py bench` (see docs/performance.md).

For each data size: load synthetic waivers (devtools.synthetic), then measure
every figure of the scale targets with a warm-up and repetitions, each next to its
floor measured in the same run:

* pages and API endpoints: p50/p95 through Django's test client (the whole
  request: middleware, view, queries, template/serializer; the garbage
  collector set up as in a server worker, see miao_site/collector.py), once
  "warm" (caches as deployed, each URL already requested) and once "cold" (the
  Django cache cleared before every request);
* their SQL floor: the exact statements the request ran (captured with
  CaptureQueriesContext) re-run directly on the psycopg connection;
* the framework floor: a bare Django view returning a constant small JSON;
* the CSV export of every public row: rows/s and the peak memory of a fresh
  process serving it, against a raw psycopg read of the same SQL;
* import throughput of records in MIAO's published JSON format (a dry run:
  everything is done, then rolled back);
* at the largest size, a load test against gunicorn with two workers.

A page that does not exist (its URL does not resolve) is reported as
"missing"; a figure is never invented.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import django
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import Resolver404, resolve
from psycopg.errors import QueryCanceled

from devtools import synthetic
from devtools.bench.export_child import stream
from devtools.bench.stats import percentile
from devtools.bench.urls import FLOOR_PATH
from miao_site import collector
from miao_site.connection_url import connection_url
from waivers import snapshots
from waivers.models import Waiver

BENCH_SEED = 6
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# p95 targets at 1,000,000 waivers (docs/performance.md), in milliseconds.
TARGETS_MS = {
    "search_page": 100,
    "filtered_list_page": 100,
    "detail_page": 30,
    "api_list_filtered": 100,  # a filtered list, like the page
    "api_search": 100,
    "api_cursor_deep": 30,
    "stats_page": 300,
    "category_index": 150,
    "category_page": 150,
    "scorecard": 150,
}
# Cold-cache p95 targets (the first visitor after a write), where an issue sets one.
COLD_TARGETS_MS = {"category_index": 2000, "category_page": 2000, "scorecard": 2000}
GROWTH_LIMIT = 2.0  # p95 at the largest size within 2x its value at 10,000
FLOOR_FACTOR, FLOOR_SLACK_MS = 3.0, 10.0  # page p95 <= 3 x SQL floor p95 + 10 ms
CSV_MIN_ROWS_PER_SECOND = 50_000
GENERATE_MIN_ROWS_PER_SECOND = 20_000  # generate_waivers, everything included
CSV_MAX_PEAK_MB = 200
_SKIP_SQL = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET )", re.I)
BENCH_OVERRIDES = {
    "DEBUG": False,
    "ROOT_URLCONF": "devtools.bench.urls",
    "ALLOWED_HOSTS": ["testserver", "127.0.0.1", "localhost"],
    "SECURE_SSL_REDIRECT": False,
    "API_RATE_ANON": "1000000/minute",
    "API_RATE_KEY": "1000000/minute",
}


class BenchRefused(Exception):
    """The database is not a throwaway benchmark database."""


@dataclass
class Probe:
    key: str
    label: str
    paths: list[str]
    note: str = ""
    missing: str = ""  # why it cannot be measured (page not built yet, ...)

    @property
    def target_ms(self) -> float | None:
        return TARGETS_MS.get(self.key)

    @property
    def cold_target_ms(self) -> float | None:
        return COLD_TARGETS_MS.get(self.key)


@dataclass
class Options:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    reps: int = 40
    cold_reps: int | None = None  # default: reps
    warmup: int = 5
    cold: bool = True
    load_seconds: float = 60
    load_clients: int = 20
    load: bool = True
    load_cache_url: str | None = None  # default: CACHE_URL of the environment, else locmem
    load_warmup: bool = True
    import_records: int = 2000
    only: tuple[str, ...] = ()  # figure keys; when set, no CSV export, import or load test
    export_in_process: bool = False
    seed: int = BENCH_SEED
    out: Path | None = None  # rewritten after each size, so a long run keeps what it measured
    vacuum: bool = True
    log: Callable[[str], None] = print


@dataclass
class Report:
    data: dict = field(default_factory=dict)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.data, indent=2, default=str) + "\n", encoding="utf-8")


# --- the database -------------------------------------------------------------------


def vacuum_analyze(vacuum: bool = True) -> float:
    """What autovacuum does after a bulk load, in seconds: VACUUM ANALYZE
    the waiver and history tables (which also marks their pages all-visible,
    so counts and index-only scans need not visit them) and ANALYZE every
    other table (agencies, codes, details). With autovacuum off, as on this
    machine's server, tables filled in bulk keep no statistics and joins to
    them are planned blind (docs/performance.md, "Statistics")."""
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if vacuum and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE waivers_waiver")
            cursor.execute("VACUUM ANALYZE waivers_waiverstatuschange")
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - t, 2)


def check_database(force: bool) -> None:
    """Refuse a database holding anything but synthetic waivers."""
    real = Waiver.objects.exclude(source_id__startswith=f"{synthetic.SOURCE_PREFIX}-").count()
    if real and not force:
        raise BenchRefused(
            f"This database holds {real:,} waivers that are not synthetic. The benchmark "
            "adds and deletes up to a million rows: run it against a throwaway database "
            "(DATABASE_URL=.../miao_bench), or pass --force if you really mean this one."
        )


def ensure_reference_data(log) -> None:
    from agencies.models import Agency

    if not Agency.objects.exists():
        from django.core.management import call_command

        log("Loading the reference lists (agencies, NAICS, PSC)...")
        call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def load_size(size: int, seed: int, vacuum: bool, log) -> dict:
    """Bring the synthetic rows of `seed` to exactly `size` (rows 0..size-1)."""
    present = synthetic.existing_count(seed)
    other = (
        Waiver.objects.filter(source_id__startswith=f"{synthetic.SOURCE_PREFIX}-")
        .exclude(source_id__startswith=f"{synthetic.SOURCE_PREFIX}-{seed}-")
        .count()
    )
    info: dict = {"rows": size, "already_present": present}
    if other or present > size:
        log(f"Deleting {other + present:,} synthetic rows to start again...")
        synthetic.delete_synthetic(None)
        present = 0
        if not connection.in_atomic_block:
            # Give the space back: a plain VACUUM leaves the emptied pages in
            # place and every sequential scan would still read them.
            with connection.cursor() as cursor:
                for table in ("waivers_waiver", "waivers_waiverstatuschange"):
                    cursor.execute(f"VACUUM FULL {table}")
    if present < size:
        log(f"Generating {size - present:,} synthetic waivers (seed {seed})...")
        result = synthetic.generate(size - present, seed=seed)
        info["generate"] = {
            "created": result.created,
            "wall_seconds": round(result.wall_seconds, 2),
            "rows_per_second": round(result.rows_per_second),
            "write_rows_per_second": round(result.write_rows_per_second),
            "target_rows_per_second": GENERATE_MIN_ROWS_PER_SECOND,
            "meets_target": result.rows_per_second >= GENERATE_MIN_ROWS_PER_SECOND,
            "generate_seconds": round(result.generate_seconds, 2),
            "copy_seconds": round(result.copy_seconds, 2),
            "insert_with_search_vectors_seconds": round(result.insert_seconds, 2),
            "verify_seconds": round(result.verify_seconds, 2),
            "foreign_key_check_seconds": round(result.check_seconds, 2),
            "index_seconds": round(result.index_seconds, 2),
            "search_index_seconds": round(result.search_index_seconds, 2),
            "analyze_seconds": round(result.analyze_seconds, 2),
        }
        log(
            f"  {result.rows_per_second:,.0f} rows/s with everything "
            f"({result.wall_seconds:.1f} s), {result.write_rows_per_second:,.0f} rows/s "
            "before the index rebuild"
        )
    info["vacuum_analyze_seconds"] = vacuum_analyze(vacuum)
    info["public_rows"] = Waiver.objects.public().count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('waivers_waiver')")
        info["waiver_table_mb"] = round(cursor.fetchone()[0] / 2**20)
    return info


def refresh_figures(log) -> dict:
    """Precompute the large figures as the deployed worker does
    (`manage.py refresh_figures`, waivers.snapshots), before any request: the
    cold series then measures a cold cache over current snapshots."""
    log(f"  refresh_figures (figures over {snapshots.min_waivers():,} waivers)...")
    report = snapshots.refresh()
    log(f"    {report}")
    return {
        "min_waivers": snapshots.min_waivers(),
        "refreshed": len(report.refreshed),
        "seconds": round(report.seconds, 1),
        "slowest": [
            {"name": r.name, "waivers": r.waivers, "seconds": round(r.seconds, 2)}
            for r in sorted(report.refreshed, key=lambda r: -r.seconds)[:5]
        ],
    }


# --- what to request ----------------------------------------------------------------


_STOPWORD_TEXT = (
    "about above after again against because been before being below between both could "
    "does doing during each from further have having here into itself more most other "
    "ought same should some such than that their theirs them then there these they this "
    "those through under until very were what when where which while with would your "
    "will shall also only used using within without"
)
_STOPWORDS = set(_STOPWORD_TEXT.split())


def content_words(profile: synthetic.Profile) -> list[str]:
    """The published record's content words (alphabetic, five letters or
    more, no stop words), lower case, most frequent first."""
    words = sorted(
        (
            w
            for w, weight in profile.vocabulary.weights.items()
            if w.isalpha() and len(w) >= 5 and w.lower() not in _STOPWORDS
        ),
        key=lambda w: (-profile.vocabulary.weights[w], w),
    )
    return list(dict.fromkeys(word.lower() for word in words))


def keyword_pool(profile: synthetic.Profile, count: int = 12) -> list[str]:
    """Search words of the published record's vocabulary: content words that
    occur a few times (rare words match a realistic share of rows; in this
    small vocabulary even they match a few percent), plus two-word queries."""
    words = content_words(profile)
    if not words:
        return ["equipment"]
    third = words[len(words) // 3 : 2 * len(words) // 3] or words
    step = max(1, len(third) // count)
    singles = third[::step][: count - count // 3]
    frequent = words[10:40] or words
    pairs = [
        f"{frequent[i]} {frequent[i + 1]}"
        for i in range(0, 2 * (count // 3), 2)
        if i + 1 < len(frequent)
    ]
    return singles + pairs


def agency_pool(profile: synthetic.Profile) -> list[str]:
    """Sub-tier codes: the four busiest of the published record and four of the tail."""
    from agencies.models import Agency

    weights = sorted(profile.agencies.weights.items(), key=lambda item: -item[1])
    ids = [agency_id for agency_id, _ in weights[:4]] + [
        agency_id for agency_id, _ in weights[len(weights) // 2 : len(weights) // 2 + 4]
    ]
    codes = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "code"))
    return [codes[i] for i in ids if i in codes]


def category_pool(profile: synthetic.Profile) -> list[str]:
    """Category pages at every level: the busiest PSC group and code and NAICS
    sector, subsector, industry group and national industry of the published
    record, and one code from the tail of each list."""
    weights = profile.code_pairs.weights
    paths = []
    for scheme, position, levels in (("psc", 1, (2, 4)), ("naics", 0, (2, 3, 4, 6))):
        for level in levels:
            counts: dict[str, float] = {}
            for pair, weight in weights.items():
                code = pair[position]
                if code and len(code) >= level:
                    counts[code[:level]] = counts.get(code[:level], 0) + weight
            if counts:
                busiest = max(counts, key=lambda code: (counts[code], code))
                paths.append(f"/categories/{scheme}/{busiest}/")
    for scheme, tail in (("psc", profile.psc_tail), ("naics", profile.naics_tail)):
        if tail:
            paths.append(f"/categories/{scheme}/{tail[len(tail) // 2]}/")
    return paths


def detail_pool(seed: int, size: int, count: int = 40) -> list[str]:
    """Public ids spread over the whole data set."""
    candidates = [synthetic.public_id_for(seed, (n * 7919) % size) for n in range(count * 2)]
    found = list(
        Waiver.objects.public().filter(public_id__in=candidates).values_list("public_id", flat=True)
    )
    order = {pid: i for i, pid in enumerate(candidates)}
    return sorted(found, key=order.get)[:count]


def cursor_pool(count: int = 8) -> tuple[list[str], str]:
    """API cursor tokens for positions deep in the newest-first walk (25 %
    to 95 % of the way), made with the API's own encoder."""
    try:
        from waivers.api.pagination import encode_cursor
    except ImportError as exc:
        return [], f"the API's cursor pagination is not there ({exc})"
    public = Waiver.objects.public().count()
    if not public:
        return [], "no public waivers"
    tokens = []
    for i in range(count):
        depth = int(public * (0.25 + 0.7 * i / max(1, count - 1)))
        row = (
            Waiver.objects.public()
            .order_by("-submitted_at", "-id")
            .values_list("submitted_at", "id")[depth : depth + 1]
        )
        for submitted_at, pk in row:
            tokens.append(encode_cursor("newest", submitted_at, pk))
    return [f"/api/v1/waivers/?cursor={quote(t)}" for t in tokens], ""


def build_probes(profile: synthetic.Profile, seed: int, size: int) -> list[Probe]:
    keywords = keyword_pool(profile)
    agencies = agency_pool(profile)
    details = detail_pool(seed, size)
    cursors, cursor_missing = cursor_pool()
    filtered = [urlencode({"type": "nonavailability", "agency": code}) for code in agencies]
    stats_filters = ["", "?type=nonavailability", f"?agency={agencies[0]}", "?type=jones_act"]
    categories = category_pool(profile)
    category_choices = [
        "",
        "?scheme=naics&level=6",
        "?scheme=psc&level=4&period=all",
        "?scheme=naics&level=2&type=nonavailability",
    ]
    return [
        Probe(
            "search_page",
            "Keyword search page /waivers/?q=",
            [f"/waivers/?{urlencode({'q': k})}" for k in keywords],
            note=f"{len(keywords)} queries, e.g. {keywords[0]!r}",
        ),
        Probe(
            "filtered_list_page",
            "Filtered list page (type + agency)",
            [f"/waivers/?{q}" for q in filtered],
            note=f"agencies {', '.join(agencies)}",
        ),
        Probe(
            "detail_page",
            "Waiver detail page",
            [f"/waivers/{pid}/" for pid in details],
            note=f"{len(details)} waivers spread over the data set",
        ),
        Probe(
            "api_list_filtered",
            "API list with filters (type + agency)",
            [f"/api/v1/waivers/?{q}" for q in filtered],
        ),
        Probe(
            "api_search",
            "API keyword search",
            [f"/api/v1/waivers/?{urlencode({'q': k})}" for k in keywords],
        ),
        Probe(
            "api_cursor_deep",
            "API deep page via cursor",
            cursors,
            note="25 %-95 % deep in the newest-first walk",
            missing=cursor_missing,
        ),
        Probe(
            "stats_page",
            "Stats page /stats/",
            [f"/stats/{q}" for q in stats_filters],
            note="unfiltered and three filters",
        ),
        Probe(
            "category_index",
            "Category rankings /categories/",
            [f"/categories/{q}" for q in category_choices],
            note="PSC and NAICS, every level's default, one year, every year, one type",
        ),
        Probe(
            "category_page",
            "Category page /categories/<scheme>/<code>/",
            categories,
            note=f"{len(categories)} categories from 2 to 6 characters",
        ),
        Probe(
            "scorecard",
            "Agency scorecard /agencies/",
            ["/agencies/", "/agencies/?show=subtiers", "/agencies/?sort=name"],
            note="departments, sub-tier agencies, sorted by name",
        ),
    ]


# --- measuring ------------------------------------------------------------------------


def _consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _missing_reason(path: str) -> str:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return f"{path.split('?', 1)[0]} does not exist (yet)"
    return ""


def _summary(samples_ms: list[float]) -> dict:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 2),
        "p95_ms": round(percentile(samples_ms, 95), 2),
        "mean_ms": round(sum(samples_ms) / len(samples_ms), 2) if samples_ms else None,
        "max_ms": round(max(samples_ms), 2) if samples_ms else None,
    }


def _timed_get(client: Client, path: str, *, cold: bool) -> tuple[float, int]:
    if cold:
        cache.clear()
    started = time.perf_counter()
    response = client.get(path)
    _consume(response)
    return (time.perf_counter() - started) * 1000, response.status_code


def _run_sql(raw, statements: list[str]) -> float:
    """The time to run a request's captured statements (autocommit, as
    captured: BEGIN and COMMIT included). A statement cancelled by the
    timeout the request set (its count or sort budget, waivers.counting)
    costs its budget, as in the request, whose fallback statements follow;
    its transaction is rolled back so the rest run."""
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in statements:
            try:
                cursor.execute(sql)
            except QueryCanceled:
                cursor.execute("ROLLBACK")
                continue
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _capture(client: Client, path: str, *, cold: bool) -> list[str]:
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        _consume(client.get(path))
    return [q["sql"] for q in captured.captured_queries if not _SKIP_SQL.match(q["sql"])]


def measure_probe(client: Client, probe: Probe, options: Options) -> dict:
    out: dict = {
        "label": probe.label,
        "note": probe.note,
        "target_p95_ms": probe.target_ms,
        "cold_target_p95_ms": probe.cold_target_ms,
    }
    reason = probe.missing or (_missing_reason(probe.paths[0]) if probe.paths else "no URLs")
    if reason:
        return {**out, "status": "missing", "reason": reason}
    statuses: dict[int, int] = {}
    for i in range(max(options.warmup, len(probe.paths))):
        _, status = _timed_get(client, probe.paths[i % len(probe.paths)], cold=False)
        statuses[status] = statuses.get(status, 0) + 1
    if set(statuses) != {200}:
        return {**out, "status": "error", "reason": f"warm-up statuses {statuses}"}
    raw = connection.connection  # the psycopg connection underneath Django
    for mode in ("warm", "cold") if options.cold else ("warm",):
        cold = mode == "cold"
        samples, bad = [], 0
        reps = options.reps if not cold or options.cold_reps is None else options.cold_reps
        for i in range(reps):
            ms, status = _timed_get(client, probe.paths[i % len(probe.paths)], cold=cold)
            samples.append(ms)
            bad += status != 200
        statements = {path: _capture(client, path, cold=cold) for path in probe.paths}
        floor_samples = [
            _run_sql(raw, statements[probe.paths[i % len(probe.paths)]]) for i in range(reps)
        ]
        out[mode] = {
            **_summary(samples),
            "non_200": bad,
            "queries_per_request": round(
                sum(len(s) for s in statements.values()) / len(statements), 1
            ),
            "sql_floor": _summary(floor_samples),
        }
    out["status"] = "ok"
    return out


def measure_bare_view(client: Client, options: Options) -> dict:
    for _ in range(options.warmup):
        client.get(FLOOR_PATH)
    samples = [_timed_get(client, FLOOR_PATH, cold=False)[0] for _ in range(options.reps)]
    return {"label": "Bare Django view, constant small JSON", **_summary(samples)}


def measure_export(options: Options) -> dict:
    path = "/waivers/export.csv"
    out: dict = {
        "label": "CSV export of every public waiver",
        "target_rows_per_second": CSV_MIN_ROWS_PER_SECOND,
        "target_peak_mb": CSV_MAX_PEAK_MB,
    }
    reason = _missing_reason(path)
    if reason:
        return {**out, "status": "missing", "reason": reason}
    if options.export_in_process:
        result = _export_in_process(path)
    else:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "devtools.bench.settings",
            "DATABASE_URL": connection_url(),
        }
        completed = subprocess.run(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", "devtools.bench.export_child", path],
            capture_output=True,
            text=True,
            env=env,
            cwd=settings.BASE_DIR,
            timeout=3600,
        )
        if completed.returncode != 0:
            return {**out, "status": "error", "reason": completed.stderr.strip()[-2000:]}
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        result["memory_measured"] = "peak RSS (VmHWM) of a fresh process serving the export"
    if result["status"] != 200:
        return {**out, **result, "status": "error", "reason": f"HTTP {result['status']}"}
    out.update(result)
    out["http_status"] = result["status"]
    out["status"] = "ok"
    out["sql_floor"] = _export_sql_floor()
    return out


def _export_in_process(path: str) -> dict:
    """Smoke-test variant: same stream, memory by tracemalloc in this process."""
    import tracemalloc

    tracemalloc.start()
    result = stream(Client(), path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        **result,
        "peak_python_alloc_mb": peak / 2**20,
        "peak_rss_mb": peak / 2**20,
        "memory_measured": "peak Python allocations (tracemalloc) during the export, in-process",
    }


def _export_sql_floor() -> dict:
    """The export's own statement (waivers.exports.copy_statement: COPY of the
    same rows and columns as /waivers/export.csv) read raw through psycopg."""
    from waivers.exports import copy_statement, csv_columns
    from waivers.filters import WaiverFilterSet

    queryset = WaiverFilterSet({}, queryset=Waiver.objects.public()).qs
    statement = copy_statement(queryset, csv_columns(lambda path: f"http://testserver{path}"))
    if statement is None:
        return {"status": "missing", "reason": "no public waivers"}
    connection.ensure_connection()
    rows = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for _ in copy:  # libpq hands COPY data over one row at a time
            rows += 1
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds else 0,
    }


def measure_import(count: int) -> dict:
    """Import throughput of `count` records in MIAO's JSON format (a dry run)."""
    out: dict = {"label": f"import_miao of {count:,} MIAO-format records (dry run)"}
    try:
        from waivers.importers.miao import import_paths
    except ImportError as exc:
        return {**out, "status": "missing", "reason": f"importer not found ({exc})"}
    records = [record.raw for record, _ in synthetic.published_records()]
    generated = []
    for i in range(count):
        record = json.loads(json.dumps(records[i % len(records)]))
        record["_id"] = f"bench{i:019d}"
        record["data"]["procurementTitle"] = f"{record['data'].get('procurementTitle', '')} #{i}"
        generated.append(record)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "waivers-data.json"
        path.write_text(json.dumps(generated), encoding="utf-8")
        started = time.perf_counter()
        reports = import_paths([path], dry_run=True)
        seconds = time.perf_counter() - started
    report = reports[0]
    return {
        **out,
        "status": "ok",
        "records": count,
        "seconds": round(seconds, 2),
        "records_per_second": round(count / seconds, 1),
        "created": report.created,
        "updated": report.updated,
        "rejected": len(report.rejected),
        "export_2026": measure_export_import(),
    }


# MIAO's current waiver export (data/README.md), imported whole by issue 13's target.
EXPORT_2026 = "waivers-export-2026-03-09.csv"


def measure_export_import() -> dict:
    """The current record (MIAO's 2026 export): a full import, then the same
    file again (no change), both in one transaction rolled back at the end.
    Targets (issue 13): full <= 20 s, no-change re-import <= 5 s."""
    from django.db import transaction

    from waivers.importers.miao import import_paths

    path = Path(settings.SHARED_DATA_DIR) / "miao" / EXPORT_2026
    if not path.exists():
        return {"status": "missing", "reason": f"{path} not found"}
    with transaction.atomic():
        started = time.perf_counter()
        (first,) = import_paths([path])
        full = time.perf_counter() - started
        started = time.perf_counter()
        (again,) = import_paths([path])
        repeat = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "status": "ok",
        "read": first.read,
        "created": first.created,
        "updated": first.updated,
        "rejected": len(first.rejected),
        "seconds": round(full, 2),
        "reimport_unchanged": again.unchanged,
        "reimport_seconds": round(repeat, 2),
    }


# --- verdicts and the table -------------------------------------------------------------


def verdicts(size_result: dict) -> None:
    for figure in size_result["figures"].values():
        if figure.get("status") != "ok":
            continue
        warm = figure["warm"]
        target = figure.get("target_p95_ms")
        figure["meets_target"] = None if target is None else warm["p95_ms"] <= target
        cold_target = figure.get("cold_target_p95_ms")
        if cold_target is not None and "cold" in figure:
            figure["meets_cold_target"] = figure["cold"]["p95_ms"] <= cold_target
        floor = warm["sql_floor"]["p95_ms"]
        figure["floor_ratio"] = round(warm["p95_ms"] / floor, 2) if floor else None
        figure["within_floor_rule"] = warm["p95_ms"] <= FLOOR_FACTOR * floor + FLOOR_SLACK_MS
    export = size_result.get("csv_export", {})
    if export.get("status") == "ok":
        export["meets_throughput"] = export["rows_per_second"] >= CSV_MIN_ROWS_PER_SECOND
        export["meets_memory"] = export["peak_rss_mb"] < CSV_MAX_PEAK_MB


def growth(sizes: list[dict]) -> dict:
    if len(sizes) < 2:
        return {}
    small, large = sizes[0], sizes[-1]
    out = {
        "from_rows": small["rows"],
        "to_rows": large["rows"],
        "limit": GROWTH_LIMIT,
        "figures": {},
    }
    for key, figure in large["figures"].items():
        base = small["figures"].get(key, {})
        if figure.get("status") == "ok" and base.get("status") == "ok":
            ratio = figure["warm"]["p95_ms"] / base["warm"]["p95_ms"]
            out["figures"][key] = {
                "p95_small_ms": base["warm"]["p95_ms"],
                "p95_large_ms": figure["warm"]["p95_ms"],
                "ratio": round(ratio, 2),
                "pass": ratio <= GROWTH_LIMIT,
            }
    return out


def _mark(value: bool | None) -> str:
    return "n/a" if value is None else ("pass" if value else "FAIL")


def table(size_result: dict) -> list[str]:
    lines = [
        f"{size_result['rows']:,} waivers ({size_result['load']['public_rows']:,} public)",
        f"{'figure':<22}{'p50':>9}{'p95':>9}{'cold p95':>10}{'SQL floor':>11}{'ratio':>7}"
        f"{'target':>8}  {'target?':<8}{'3x floor+10?':<12}",
    ]
    for key, f in size_result["figures"].items():
        if f.get("status") != "ok":
            lines.append(f"{key:<22}  {f.get('status', '?').upper()}: {f.get('reason', '')}")
            continue
        w = f["warm"]
        cold = f.get("cold", {}).get("p95_ms")
        target = f.get("target_p95_ms")
        lines.append(
            f"{key:<22}{w['p50_ms']:>9.1f}{w['p95_ms']:>9.1f}"
            f"{(f'{cold:.1f}' if cold is not None else '-'):>10}"
            f"{w['sql_floor']['p95_ms']:>11.1f}{(f.get('floor_ratio') or 0):>7.1f}"
            f"{(target or '-'):>8}  {_mark(f.get('meets_target')):<8}"
            f"{_mark(f.get('within_floor_rule')):<12}"
            + (
                f"  cold target {f['cold_target_p95_ms']}: {_mark(f['meets_cold_target'])}"
                if "meets_cold_target" in f
                else ""
            )
        )
    refreshed = size_result.get("refresh_figures")
    if refreshed:
        lines.append(
            f"refresh_figures: {refreshed['refreshed']} figure sets over "
            f"{refreshed['min_waivers']:,} waivers precomputed in {refreshed['seconds']:.1f} s"
        )
    bare = size_result["floors"]["bare_view"]
    lines.append(f"{'bare_view (floor)':<22}{bare['p50_ms']:>9.1f}{bare['p95_ms']:>9.1f}")
    generated = size_result["load"].get("generate")
    if generated:
        lines.append(
            f"generate_waivers: {generated['created']:,} rows, {generated['rows_per_second']:,} "
            f"rows/s with everything (target {GENERATE_MIN_ROWS_PER_SECOND:,}: "
            f"{_mark(generated['meets_target'])}); {generated['write_rows_per_second']:,} rows/s "
            f"before the index rebuild ({generated['index_seconds']:.1f} s, full-text "
            f"{generated['search_index_seconds']:.1f} s)"
        )
    export = size_result["csv_export"]
    if export.get("status") == "ok":
        lines.append(
            f"csv_export: {export['rows']:,} rows, {export['rows_per_second']:,.0f} rows/s "
            f"(target {CSV_MIN_ROWS_PER_SECOND:,}: {_mark(export['meets_throughput'])}), "
            f"peak {export['peak_rss_mb']:.0f} MB (target < {CSV_MAX_PEAK_MB}: "
            f"{_mark(export['meets_memory'])}); SQL floor "
            f"{export['sql_floor'].get('rows_per_second', 0):,} rows/s"
        )
    else:
        lines.append(f"csv_export: {export.get('status', '?').upper()}: {export.get('reason', '')}")
    imp = size_result["import"]
    if imp.get("status") == "ok":
        lines.append(
            f"import_miao: {imp['records_per_second']:,.0f} records/s "
            f"({imp['records']:,} records, {imp['rejected']} rejected)"
        )
        export = imp.get("export_2026", {})
        if export.get("status") == "ok":
            lines.append(
                f"import_miao of the 2026 export: {export['read']:,} records "
                f"({export['created']:,} created, {export['rejected']} rejected) in "
                f"{export['seconds']:.1f} s (target <= 20 s); no-change re-import "
                f"{export['reimport_seconds']:.1f} s (target <= 5 s)"
            )
    else:
        lines.append(f"import_miao: {imp.get('status', '?').upper()}: {imp.get('reason', '')}")
    return lines


# --- the run ----------------------------------------------------------------------------


def machine() -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "loadavg_at_start": os.getloadavg(),
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            total_kb = int(meminfo.readline().split()[1])
        info["memory_gb"] = round(total_kb / 2**20, 1)
        with open("/proc/cpuinfo", encoding="ascii") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        info["postgresql"] = cursor.fetchone()[0]
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "autovacuum"):
            cursor.execute(f"SHOW {name}")
            info[f"pg_{name}"] = cursor.fetchone()[0]
    return info


def load_mix(probes: list[Probe]) -> list[tuple[str, float, list[str]]]:
    weights = {
        "search_page": 20,
        "filtered_list_page": 20,
        "detail_page": 25,
        "api_list_filtered": 10,
        "api_search": 10,
        "api_cursor_deep": 5,
        "stats_page": 5,
    }
    mix = [
        (p.key, weights[p.key], p.paths)
        for p in probes
        if p.key in weights and not p.missing and p.paths and not _missing_reason(p.paths[0])
    ]
    if not _missing_reason("/"):
        mix.append(("home_page", 5, ["/"]))
    return mix


def run(options: Options, *, force: bool = False) -> Report:
    log = options.log
    # With DEBUG off whitenoise warns that STATIC_ROOT was never collected;
    # the benchmark requests no static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    check_database(force)
    ensure_reference_data(log)
    report = Report(
        {
            "started_at": dt.datetime.now(dt.UTC).isoformat(),
            "machine": machine(),
            "options": {
                "sizes": list(options.sizes),
                "reps": options.reps,
                "warmup": options.warmup,
                "cold_reps": options.cold_reps or options.reps,
                "load_seconds": options.load_seconds,
                "load_clients": options.load_clients,
                "import_records": options.import_records,
                "seed": options.seed,
                "load_cache_url": options.load_cache_url,
                "load_warmup": options.load_warmup,
            },
            "method": __doc__,
            "sizes": [],
        }
    )
    profile = synthetic.build_profile()
    probes: list[Probe] = []
    for size in sorted(options.sizes):
        log(f"== {size:,} waivers ==")
        size_result: dict = {"rows": size}
        size_result["load"] = load_size(size, options.seed, options.vacuum, log)
        # As a server worker does (miao_site/wsgi.py, miao_site/collector.py):
        # what is loaded so far (here also the synthetic profile) is frozen
        # out of the cyclic collector, and each request starts by collecting
        # the cycles the requests before it left behind.
        collector.freeze_startup()
        collector.collect_between_requests()
        with override_settings(**BENCH_OVERRIDES):
            cache.clear()
            client = Client()
            size_result["refresh_figures"] = refresh_figures(log)
            probes = build_probes(profile, options.seed, size)
            if options.only:
                probes = [probe for probe in probes if probe.key in options.only]
            size_result["figures"] = {}
            for probe in probes:
                log(f"  {probe.key}...")
                size_result["figures"][probe.key] = measure_probe(client, probe, options)
            size_result["floors"] = {"bare_view": measure_bare_view(client, options)}
            if options.only:
                size_result["csv_export"] = {"status": "skipped", "reason": "--only"}
            else:
                log("  csv export...")
                size_result["csv_export"] = measure_export(options)
        if options.only:
            size_result["import"] = {"status": "skipped", "reason": "--only"}
        else:
            log("  import...")
            size_result["import"] = measure_import(options.import_records)
        verdicts(size_result)
        report.data["sizes"].append(size_result)
        for line in table(size_result):
            log(line)
        if options.out:
            report.dump(options.out)
    # The caller (a test run, say) goes on with a normal collector.
    collector.stop_collecting_between_requests()
    gc.unfreeze()
    report.data["growth"] = growth(report.data["sizes"])
    for key, g in report.data["growth"].get("figures", {}).items():
        log(
            f"growth {key}: {g['p95_small_ms']:.1f} -> {g['p95_large_ms']:.1f} ms "
            f"(x{g['ratio']:.2f}, limit x{GROWTH_LIMIT}: {_mark(g['pass'])})"
        )
    if options.load and not options.only:
        report.data["load_test"] = run_load_test(probes, options)
        lt = report.data["load_test"]
        if "requests" in lt:
            log(
                f"load test ({lt['clients']} clients, {lt['seconds']:.0f} s, gunicorn 2 workers): "
                f"{lt['requests']:,} requests, {lt['requests_per_second']:.1f} req/s, "
                f"p50 {lt['p50_ms']:.1f} ms, p95 {lt['p95_ms']:.1f} ms, errors {lt['errors']} "
                f"({_mark(lt['errors'] == 0)})"
            )
        else:
            log(f"load test: {lt}")
    report.data["machine"]["loadavg_at_end"] = os.getloadavg()
    report.data["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    return report


def run_load_test(probes: list[Probe], options: Options) -> dict:
    from devtools.bench.load import Server, flush_cache, run_load, warm_up

    mix = load_mix(probes)
    if not mix:
        return {"status": "missing", "reason": "no page to request"}
    cache_url = options.load_cache_url or os.environ.get("CACHE_URL") or "locmem://"
    flush_cache(cache_url)
    try:
        with Server(
            database_url=connection_url(), workers=2, cwd=settings.BASE_DIR, cache_url=cache_url
        ) as server:
            warm = warm_up(server.port, mix) if options.load_warmup else None
            result = run_load(
                server.port,
                mix,
                clients=options.load_clients,
                seconds=options.load_seconds,
                seed=options.seed,
            )
    except RuntimeError as exc:
        return {"status": "error", "reason": str(exc)}
    return {
        "status": "ok",
        "server": "gunicorn, 2 sync workers (miao_site.gunicorn_worker), loopback",
        "cache": cache_url.split("://")[0],
        "warm_up": warm,
        "mix": {kind: weight for kind, weight, _ in mix},
        **result.summary(),
    }
