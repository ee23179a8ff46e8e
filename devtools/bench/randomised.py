"""The randomised HTTP benchmark behind `manage.py bench_http` (issue 19; see
docs/performance.md, "HTTP, randomised").

The site as people meet it: gunicorn with two workers (warmed up by a few
requests of each class from another seed) and a shared cache flushed before
the run, sent a seeded, randomised workload of its own making
over loopback HTTP, one request at a time (so a latency is the request's own,
not time spent queueing behind another). Most URLs are seen once: keyword
searches drawn from the published record's vocabulary, one to three random
filters, random sorts, pages 2-50, random waivers, API lists, searches, page
numbers and cursors, stats with random filters.

The workload is abstract (a `Query` says what is asked, not how): each side
writes it as its own URLs, the site here and Datasette in
devtools.bench.peer, so both are asked the same questions. The CSV export's
throughput is measured by `manage.py bench`, not here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Max, Min

from devtools import synthetic
from devtools.bench import runner
from devtools.bench.load import Server, flush_cache, get
from devtools.bench.stats import percentile
from devtools.bench.urls import FLOOR_PATH
from miao_site.connection_url import connection_url
from waivers.filters import SORTS
from waivers.models import Waiver

DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/15"
DEFAULT_SEED = 19
MAX_DEPTH = 50  # deepest page number asked for
PAGE_SIZE = 25  # the site's and the API's default page size
REQUEST_TIMEOUT = 300  # seconds; a request slower than this is an error
SLOWEST = 5  # the slowest requests of each class, listed in the JSON


@dataclass(frozen=True)
class RequestClass:
    key: str
    label: str
    target_p95_ms: float
    target_p50_ms: float | None = None


# The classes of issue 19 and their targets at 1,000,000 waivers (p95, and p50
# where the issue sets one).
CLASSES: tuple[RequestClass, ...] = (
    RequestClass("search_page", "search page /waivers/?q=", 300, 100),
    RequestClass("filtered_list_page", "filtered list page", 300, 100),
    RequestClass("list_page_deep", "list page 2-50", 300, 100),
    RequestClass("stats_page", "stats page, random filters", 500),
    RequestClass("waiver_page", "waiver page", 25),
    RequestClass("api_list", "API list, filters", 200),
    RequestClass("api_search", "API search ?q=", 200),
    RequestClass("api_page", "API page-number 2-50", 200),
    RequestClass("api_cursor", "API cursor page", 30),
    RequestClass("api_detail", "API detail", 25),
)
CLASS_KEYS = tuple(c.key for c in CLASSES)


class NoData(Exception):
    """The database holds no public waivers to ask about."""


# --- what the workload is made of -----------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """A public waiver: a detail page to ask for, or a cursor position."""

    public_id: str
    pk: int
    submitted_at: dt.datetime


@dataclass
class Pools:
    """What random queries are drawn from, read from the data once."""

    rows: int
    singles: list[str]  # content words of middling frequency
    frequent: list[str]  # the most frequent content words (for pairs)
    rare: list[str]  # the record's rarest content words
    phrases: list[str]  # two or three consecutive words of titles in the data
    types: dict[str, int]  # value -> public rows
    statuses: dict[str, int]
    subtiers: list[str]  # sub-tier codes contracting public waivers
    departments: list[str]  # their departments' codes
    naics: list[str]
    psc: list[str]
    countries: synthetic.Table
    first_day: dt.date
    last_day: dt.date
    anchors: list[Anchor]


def build_pools(profile: synthetic.Profile, rng: random.Random, anchors: int = 2000) -> Pools:
    from agencies.models import Agency

    public = Waiver.objects.public()
    rows = public.count()
    if not rows:
        raise NoData("no public waivers: run `manage.py generate_waivers 10000 --seed 1` first")
    words = runner.content_words(profile) or ["equipment"]
    third = len(words) // 3
    bounds = public.aggregate(first=Min("submitted_at"), last=Max("submitted_at"), low=Min("id"))
    high = public.aggregate(high=Max("id"))["high"]
    # Random public waivers, by id (generated ids are dense): detail pages,
    # cursor positions and the titles phrases are taken from.
    wanted = sorted({rng.randint(bounds["low"], high) for _ in range(anchors * 2)})
    found = {
        pk: (public_id, submitted_at, title)
        for pk, public_id, submitted_at, title in public.filter(pk__in=wanted).values_list(
            "pk", "public_id", "submitted_at", "procurement_title"
        )
    }
    picked = [pk for pk in wanted if pk in found]
    rng.shuffle(picked)
    picked = picked[:anchors]
    phrases = []
    vocabulary = set(words)
    for pk in picked[:300]:
        # Consecutive content words of a title (a phrase of stop words
        # matches nothing in the site's search, and everything in FTS5).
        title = [w.lower() for w in found[pk][2].split() if w.lower() in vocabulary]
        if len(title) >= 2:
            length = min(len(title), rng.choice((2, 3)))
            start = rng.randrange(len(title) - length + 1)
            phrases.append(" ".join(title[start : start + length]))
    subtier_ids = list(public.values_list("contracting_agency", flat=True).distinct())
    agencies = Agency.objects.filter(pk__in=subtier_ids).select_related("parent")
    return Pools(
        rows=rows,
        singles=words[third : 2 * third] or words,
        frequent=words[:60],
        rare=words[-max(1, len(words) // 10) :],
        phrases=phrases or words[:10],
        types=_counts(public, "waiver_type"),
        statuses=_counts(public, "status"),
        subtiers=sorted(a.code for a in agencies),
        departments=sorted({a.parent.code for a in agencies if a.parent_id}),
        naics=sorted(filter(None, public.values_list("naics_id", flat=True).distinct())),
        psc=sorted(filter(None, public.values_list("psc_id", flat=True).distinct())),
        countries=profile.countries,
        first_day=bounds["first"].date(),
        last_day=bounds["last"].date(),
        anchors=[Anchor(found[pk][0], pk, found[pk][1]) for pk in picked],
    )


def _counts(queryset, column: str) -> dict[str, int]:
    return dict(
        queryset.order_by().values_list(column).annotate(n=Count("id")).values_list(column, "n")
    )


@dataclass(frozen=True)
class Query:
    """One request of the workload, as what is asked, before either side
    writes it as a URL. Filter names are the site's parameters, except that
    an agency is `agency` (a sub-tier code) or `department` (a department's)."""

    cls: str
    keywords: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = ""  # a key of waivers.filters.SORTS; "" for the default
    page: int = 1
    anchor: Anchor | None = None  # the waiver asked for, or the cursor's position
    ordering: str = "newest"  # of a cursor walk


FILTER_KINDS = ("type", "status", "agency", "naics", "psc", "country", "dates")


def random_keywords(pools: Pools, rng: random.Random) -> str:
    """Single words, pairs, quoted phrases and rare words of the record's vocabulary."""
    shape = rng.random()
    if shape < 0.4:
        return rng.choice(pools.singles)
    if shape < 0.6:
        return " ".join(rng.sample(pools.frequent, 2))
    if shape < 0.8:
        return f'"{rng.choice(pools.phrases)}"'
    return rng.choice(pools.rare)


def random_filter(kind: str, pools: Pools, rng: random.Random) -> list[tuple[str, str]]:
    if kind == "type":
        return [("type", rng.choice(sorted(pools.types)))]
    if kind == "status":
        return [("status", rng.choice(sorted(pools.statuses)))]
    if kind == "agency":
        if pools.departments and rng.random() < 0.4:
            return [("department", rng.choice(pools.departments))]
        return [("agency", rng.choice(pools.subtiers))]
    if kind == "naics" and pools.naics:
        code = rng.choice(pools.naics)
        return [("naics", code[: rng.randint(2, min(6, len(code)))])]
    if kind == "psc" and pools.psc:
        code = rng.choice(pools.psc)
        return [("psc", code if rng.random() < 0.6 else code[: rng.randint(1, 2)])]
    if kind == "country":
        return [("country", pools.countries.pick(rng))]
    # A date range: from a random day, 1 week to 2 years long; sometimes open-ended.
    span = max(1, (pools.last_day - pools.first_day).days)
    start = pools.first_day + dt.timedelta(days=rng.randrange(span))
    end = start + dt.timedelta(days=rng.randint(7, 730))
    shape = rng.random()
    if shape < 0.25:
        return [("submitted_after", start.isoformat())]
    if shape < 0.5:
        return [("submitted_before", end.isoformat())]
    return [("submitted_after", start.isoformat()), ("submitted_before", end.isoformat())]


def random_filters(pools: Pools, rng: random.Random, low: int, high: int) -> tuple:
    kinds = rng.sample(FILTER_KINDS, rng.randint(low, high))
    return tuple(item for kind in kinds for item in random_filter(kind, pools, rng))


def random_sort(rng: random.Random, keywords: str = "") -> str:
    choices = [key for key in SORTS if key != "relevance" or keywords]
    return rng.choice(["", *choices])


def deep_page(pools: Pools, rng: random.Random) -> tuple[int, tuple]:
    """A page 2-50 and, sometimes, a broad filter (a type or a status) with
    enough rows for that page to exist (the API answers 404 past the last)."""
    if rng.random() < 0.4:
        name, counts = rng.choice((("type", pools.types), ("status", pools.statuses)))
        value = rng.choice(sorted(counts))
        pages = -(-counts[value] // PAGE_SIZE)
        if pages >= 2:
            return rng.randint(2, min(MAX_DEPTH, pages)), ((name, value),)
    pages = -(-pools.rows // PAGE_SIZE)
    return rng.randint(2, max(2, min(MAX_DEPTH, pages))), ()


def make_query(cls: str, pools: Pools, rng: random.Random) -> Query:
    if cls in ("search_page", "api_search"):
        keywords = random_keywords(pools, rng)
        filters = random_filters(pools, rng, 1, 2) if rng.random() < 0.35 else ()
        return Query(cls, keywords=keywords, filters=filters, sort=random_sort(rng, keywords))
    if cls in ("filtered_list_page", "api_list"):
        return Query(cls, filters=random_filters(pools, rng, 1, 3), sort=random_sort(rng))
    if cls in ("list_page_deep", "api_page"):
        page, filters = deep_page(pools, rng)
        return Query(cls, filters=filters, sort=random_sort(rng), page=page)
    if cls == "stats_page":
        return Query(cls, filters=random_filters(pools, rng, 1, 3))
    if cls in ("waiver_page", "api_detail"):
        return Query(cls, anchor=rng.choice(pools.anchors))
    if cls == "api_cursor":
        return Query(
            cls,
            anchor=rng.choice(pools.anchors),
            ordering="newest" if rng.random() < 0.75 else "oldest",
        )
    raise ValueError(f"unknown request class {cls!r}")


def make_workload(
    pools: Pools, rng: random.Random, per_class: int, classes: tuple[str, ...]
) -> list[Query]:
    """`per_class` queries of each class, in a random order."""
    workload = [make_query(cls, pools, rng) for cls in classes for _ in range(per_class)]
    rng.shuffle(workload)
    return workload


# --- the site's URLs ----------------------------------------------------------------------


def site_params(query: Query) -> list[tuple[str, str]]:
    params = [("q", query.keywords)] if query.keywords else []
    params += [("agency" if n == "department" else n, v) for n, v in query.filters]
    return params


def site_url(query: Query) -> str:
    from waivers.api.pagination import encode_cursor

    params = site_params(query)
    api = query.cls.startswith("api_")
    if query.sort:
        params.append(("ordering" if api else "sort", query.sort))
    if query.page > 1:
        params.append(("page", str(query.page)))
    qs = f"?{urlencode(params)}" if params else ""
    match query.cls:
        case "search_page" | "filtered_list_page" | "list_page_deep":
            return f"/waivers/{qs}"
        case "stats_page":
            return f"/stats/{qs}"
        case "waiver_page":
            return f"/waivers/{query.anchor.public_id}/"
        case "api_detail":
            return f"/api/v1/waivers/{query.anchor.public_id}/"
        case "api_cursor":
            token = encode_cursor(query.ordering, query.anchor.submitted_at, query.anchor.pk)
            extra = [("ordering", "oldest")] if query.ordering == "oldest" else []
            return f"/api/v1/waivers/?{urlencode([('cursor', token), *extra])}"
        case _:
            return f"/api/v1/waivers/{qs}"


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Sample:
    cls: str
    url: str
    ms: float
    status: int
    repeated: bool


@dataclass
class Side:
    """One server being measured: how to reach it and what it was sent."""

    name: str
    port: int
    urls: list[str]
    warmup_urls: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def send(self, cls: str, url: str) -> None:
        repeated = url in self.seen
        self.seen.add(url)
        started = time.perf_counter()
        try:
            status, _ = get(self.port, url, timeout=REQUEST_TIMEOUT)
        except OSError:
            status = 0
        ms = (time.perf_counter() - started) * 1000
        self.samples.append(Sample(cls, url, ms, status, repeated))


# A fresh worker's first request of a kind loads code and compiles templates:
# a cost of starting a server, paid once, not of a request. Before measuring,
# each side is sent this many requests of every class from a workload of
# another seed (so not the measured URLs), and the shared cache is flushed
# after them.
WARMUP_PER_CLASS = 4


def warm_up(side: Side) -> None:
    """Send the side's warm-up requests, two at a time so that each of the
    server's workers (or tasks) gets some; nothing is recorded."""
    from concurrent.futures import ThreadPoolExecutor

    def send(url: str) -> None:
        with suppress(OSError):  # a warm-up request that fails measures nothing either
            get(side.port, url, timeout=REQUEST_TIMEOUT)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(send, side.warmup_urls))


def measure_floor(port: int, path: str, reps: int, warmup: int = 10) -> dict:
    """A bare view over the same HTTP path, after a few unmeasured requests
    (a fresh worker's first requests load code the floor is not about)."""
    for _ in range(warmup):
        get(port, path)
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        status, _ = get(port, path)
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            return {"path": path, "status": "error", "reason": f"HTTP {status}"}
    return {"path": path, "status": "ok", **_figures(samples)}


def _figures(samples_ms: list[float]) -> dict:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 2),
        "p95_ms": round(percentile(samples_ms, 95), 2),
        "p99_ms": round(percentile(samples_ms, 99), 2),
        "mean_ms": round(sum(samples_ms) / len(samples_ms), 2) if samples_ms else None,
        "max_ms": round(max(samples_ms), 2) if samples_ms else None,
    }


def summarise(samples: list[Sample], classes: tuple[str, ...]) -> dict:
    by_key = {c.key: c for c in CLASSES}
    out: dict = {"classes": {}}
    for key in classes:
        mine = [s for s in samples if s.cls == key]
        target = by_key[key]
        figures = _figures([s.ms for s in mine])
        non_200 = [s for s in mine if s.status != 200]
        meets = bool(mine) and figures["p95_ms"] <= target.target_p95_ms
        if target.target_p50_ms is not None:
            meets = meets and figures["p50_ms"] <= target.target_p50_ms
        out["classes"][key] = {
            "label": target.label,
            **figures,
            "non_200": len(non_200),
            "non_200_samples": [f"{s.status} {s.url}" for s in non_200[:5]],
            "repeated_fraction": round(sum(s.repeated for s in mine) / len(mine), 4)
            if mine
            else None,
            "target_p95_ms": target.target_p95_ms,
            "target_p50_ms": target.target_p50_ms,
            "meets_target": meets,
            "examples": [s.url for s in mine[:3]],
            # Where to start profiling a class: its slowest requests.
            "slowest": [
                f"{s.ms:.1f} ms {s.url}" for s in sorted(mine, key=lambda s: -s.ms)[:SLOWEST]
            ],
        }
    out["requests"] = len(samples)
    out["repeated_fraction"] = (
        round(sum(s.repeated for s in samples) / len(samples), 4) if samples else None
    )
    out["non_200"] = sum(s.status != 200 for s in samples)
    return out


# --- the run ------------------------------------------------------------------------------


@dataclass
class Options:
    per_class: int = 100
    seed: int = DEFAULT_SEED
    cache_url: str = DEFAULT_CACHE_URL
    workers: int = 2
    classes: tuple[str, ...] = CLASS_KEYS
    datasette: bool = False
    peer_db: Path | None = None  # default: a temporary file, removed after the run
    floor_reps: int = 100
    turns: str = "alternate"  # a TURNS key
    out: Path | None = None
    log: Callable[[str], None] = print


# How the sides take turns when there are two (`--turns`).
TURNS = {
    "alternate": "each query to both sides in turn, each side first for every other query",
    "apart": "the whole workload to the site, then the whole workload to the peer",
}


def send_workload(workload: list[Query], sides: list[Side], turns: str, log=print) -> None:
    """Send every query to every side, one request at a time.

    `alternate`: both sides meet the machine in the same state. (Always the
    site first, the site's requests came after the peer's previous one,
    seconds of scanning for a facet or a deep page, and the peer's after the
    site's same small one: the site's one-row classes paid for the peer's
    scans.) But a side's processes still sit idle while the other side
    works, and on these virtual machines a request after an idle spell is
    slower (an API detail of 2.3 ms p50 takes 6.7 ms after 200 ms idle):
    the peer's scans of seconds idle the site far longer than the site's
    pages of at most a few hundred milliseconds idle the peer.
    `apart`: each side is sent the workload alone, as if it had the machine
    to itself, so each request follows that side's own previous one."""
    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 200 == 0:
            log(f"  {done:,} / {len(workload) * len(sides):,} ({time.monotonic() - started:.0f} s)")

    if turns == "alternate":
        for i, query in enumerate(workload):
            for side in sides if i % 2 == 0 else sides[::-1]:
                side.send(query.cls, side.urls[i])
            progress((i + 1) * len(sides))
    elif turns == "apart":
        for number, side in enumerate(sides):
            for i, query in enumerate(workload):
                side.send(query.cls, side.urls[i])
                progress(number * len(workload) + i + 1)
    else:
        raise ValueError(f"unknown turns {turns!r}")


def run(options: Options, *, force: bool = False) -> dict:
    log = options.log
    runner.check_database(force)
    log("VACUUM ANALYZE, as autovacuum would after the bulk load...")
    vacuum_seconds = runner.vacuum_analyze()
    rng = random.Random(options.seed)
    log("Reading what to ask for from the data...")
    pools = build_pools(synthetic.build_profile(), rng)
    workload = make_workload(pools, rng, options.per_class, options.classes)
    warmup = make_workload(
        pools, random.Random(options.seed + 1), WARMUP_PER_CLASS, options.classes
    )
    report: dict = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": runner.machine(),
        "options": {
            **{k: v for k, v in asdict(options).items() if k not in ("log", "out", "peer_db")},
            "classes": list(options.classes),
        },
        "method": __doc__,
        "public_rows": pools.rows,
        "vacuum_analyze_seconds": vacuum_seconds,
        "workload": {
            "requests": len(workload),
            "subtiers": len(pools.subtiers),
            "departments": len(pools.departments),
            "naics_codes": len(pools.naics),
            "psc_codes": len(pools.psc),
            "anchors": len(pools.anchors),
            "days": [pools.first_day.isoformat(), pools.last_day.isoformat()],
        },
    }
    with ExitStack() as stack:
        sides = []
        peer_side = None
        if options.datasette:
            peer_side, report["datasette"] = _start_peer(stack, workload, warmup, options, log)
        report["cache"] = flush_cache(options.cache_url)
        log(f"Starting gunicorn ({options.workers} workers); cache: {report['cache']}...")
        server = stack.enter_context(
            Server(
                database_url=connection_url(),
                workers=options.workers,
                cwd=settings.BASE_DIR,
                cache_url=options.cache_url,
            )
        )
        site = Side(
            "site", server.port, [site_url(q) for q in workload], [site_url(q) for q in warmup]
        )
        sides.append(site)
        if peer_side:
            sides.append(peer_side)
        log(f"Floor: {options.floor_reps} requests of {FLOOR_PATH}...")
        floors = {"site": measure_floor(server.port, FLOOR_PATH, options.floor_reps)}
        if peer_side:
            from devtools.bench import peer

            floors["datasette"] = measure_floor(peer_side.port, peer.FLOOR_PATH, options.floor_reps)
        log(
            f"Warming the workers up: {len(warmup):,} requests of another seed to each side, "
            "two at a time, not measured; then the cache is flushed again..."
        )
        for side in sides:
            warm_up(side)
        report["warmup_requests"] = len(warmup)
        report["cache"] = flush_cache(options.cache_url)
        log(f"Sending {len(workload):,} requests, one at a time ({options.turns})...")
        send_workload(workload, sides, options.turns, log)
        report["site"] = {
            "server": (
                f"gunicorn, {options.workers} sync workers (miao_site.gunicorn_worker), loopback"
            ),
            "floor": floors["site"],
            **summarise(site.samples, options.classes),
        }
        if peer_side:
            report["datasette"].update(
                {"floor": floors["datasette"], **summarise(peer_side.samples, options.classes)}
            )
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    for line in table(report):
        log(line)
    if options.out:
        options.out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    return report


def _start_peer(
    stack: ExitStack, workload: list[Query], warmup: list[Query], options: Options, log
) -> tuple:
    from devtools.bench import peer

    missing = peer.missing_packages()
    if missing:
        log(f"Datasette side SKIPPED: {missing}")
        return None, {"status": "skipped", "reason": missing}
    if options.peer_db:
        path = options.peer_db
    else:
        path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="miao-peer-")))
        path = path / "peer.db"
    log(f"Building the Datasette side's SQLite copy of the public rows ({path})...")
    built = peer.build(path)
    log(f"  {built['rows']:,} rows in {built['seconds']:.1f} s")
    server = stack.enter_context(peer.Datasette(path))
    log("Finding the Datasette side's deep-page positions (not measured)...")
    urls = peer.urls(workload, server.port, path)
    return Side("datasette", server.port, urls, peer.urls(warmup, server.port, path)), {
        "status": "ok",
        "server": server.describe(),
        "build": built,
    }


def _ms(value) -> str:
    return f"{value:,.1f}" if isinstance(value, int | float) and value == value else "-"


def table(report: dict) -> list[str]:
    peer = report.get("datasette", {})
    with_peer = "classes" in peer
    head = (
        f"{'class':<28}{'n':>5}{'p50':>9}{'p95':>9}{'p99':>9}{'non200':>7}{'rep%':>6}"
        f"{'target':>14}  {'':<5}"
    )
    if with_peer:
        head += f"{'Datasette p50':>14}{'p95':>9}{'non200':>7}"
    lines = [f"== {report['public_rows']:,} public waivers, over HTTP (ms) ==", head]
    for key, c in report["site"]["classes"].items():
        target = f"p95<={c['target_p95_ms']:g}"
        if c["target_p50_ms"] is not None:
            target = f"{c['target_p50_ms']:g}/{c['target_p95_ms']:g}"
        line = (
            f"{c['label']:<28}{c['n']:>5}{_ms(c['p50_ms']):>9}{_ms(c['p95_ms']):>9}"
            f"{_ms(c['p99_ms']):>9}{c['non_200']:>7}{100 * (c['repeated_fraction'] or 0):>6.1f}"
            f"{target:>14}  {'pass' if c['meets_target'] else 'FAIL':<5}"
        )
        if with_peer:
            p = peer["classes"][key]
            line += f"{_ms(p['p50_ms']):>14}{_ms(p['p95_ms']):>9}{p['non_200']:>7}"
        lines.append(line)
    floor = report["site"]["floor"]
    line = f"{'floor: bare view':<28}{floor.get('n', 0):>5}{_ms(floor.get('p50_ms')):>9}"
    line += f"{_ms(floor.get('p95_ms')):>9}{_ms(floor.get('p99_ms')):>9}"
    if with_peer:
        pf = peer["floor"]
        line += " " * 41 + f"{_ms(pf.get('p50_ms')):>14}{_ms(pf.get('p95_ms')):>9}"
    lines.append(line)
    lines.append(
        f"requests {report['site']['requests']:,}, repeated URLs "
        f"{100 * (report['site']['repeated_fraction'] or 0):.1f} %, non-200 "
        f"{report['site']['non_200']}; cache: {report['cache']}"
    )
    if peer.get("status") == "skipped":
        lines.append(f"Datasette side skipped: {peer['reason']}")
    return lines
