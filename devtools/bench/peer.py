"""The peer side of `manage.py bench_http --datasette` (issue 19): the same
public rows published the way a data team would otherwise publish them,
Datasette serving SQLite with FTS5 and indexes, asked the same abstract
workload (devtools.bench.randomised.Query) in its own URLs.

* The rows: `Waiver.objects.public()` read through the site's one column
  list (waivers.columns.EXPORT_COLUMNS, what the CSV and JSON downloads
  publish), so nothing that is not published can reach the copy.
* The copy: one table, `waivers`, keyed by public_id, written with
  sqlite-utils; FTS5 over the searchable text columns; an index on every
  column the workload filters or sorts on; ANALYZE.
* The server: `datasette serve --immutable` (as `datasette publish` runs
  it) on loopback, with its SQL and facet time limits raised so that, like
  the site, it does the whole of what it is asked instead of giving up, and
  facet suggestions off (each table page would try every column).

Translation (site -> Datasette): keywords -> `_search=` (Datasette's
escaping keeps "quoted phrases"; FTS5 with Porter stemming, as the site
stems; Datasette 0.65 does not rank, so relevance is its default order);
type/status -> `type=`/`status=`; a sub-tier -> `contracting_agency_code=`,
a department -> `contracting_department_code=`;
NAICS/PSC prefix -> `naics_code__startswith=`/`psc_code__startswith=`;
country -> `countries__arraycontains=`; dates -> `submitted_at__gte=`/`__lt=`
(UTC; the site reads them as its TIME_ZONE's days); sorts -> `_sort=` /
`_sort_desc=` (no sort: newest first, as the site; SQLite puts NULLs
first where the site puts them last); page N -> the `_next=` token that starts it (found before the
run with one unmeasured request of (N-1)*25 rows); stats -> the table with
`_facet=` of type, status, determination and department; a waiver -> its row
page; API classes -> the same with `.json`; a cursor -> `_next=` made from
the position's (submitted_at, public_id), as Datasette writes it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from devtools.bench.load import HOST, free_port, stop, wait_until_it_answers
from waivers.columns import EXPORT_COLUMNS, EXPORT_READER, Boolean, Integer
from waivers.models import Waiver

INSTALL_HINT = "pip install -e '.[peer]'  (datasette and sqlite-utils from PyPI)"
TABLE = "waivers"
FLOOR_PATH = "/-/versions.json"
# Published text columns the keyword search covers (the site's search vector
# covers these and more: PIIDs and codes match exactly there).
SEARCH_COLUMNS = (
    "title",
    "summary",
    "rationale",
    "contracting_agency_name",
    "contracting_department_name",
    "naics_title",
    "psc_name",
)
INDEXED_COLUMNS = (
    "type",
    "status",
    "contracting_agency_code",
    "contracting_department_code",
    "naics_code",
    "psc_code",
    "submitted_at",
    "review_due_date",
    "title",
    "contracting_agency_name",
    "expires",
)
SORT_COLUMNS = {  # site sort key -> (Datasette parameter, column)
    "newest": ("_sort_desc", "submitted_at"),
    "oldest": ("_sort", "submitted_at"),
    "deadline": ("_sort", "review_due_date"),
    "title": ("_sort", "title"),
    "agency": ("_sort", "contracting_agency_name"),
    "expires": ("_sort", "expires"),
}
FILTER_PARAMETERS = {
    "type": "type",
    "status": "status",
    "agency": "contracting_agency_code",
    "department": "contracting_department_code",
    "naics": "naics_code__startswith",
    "psc": "psc_code__startswith",
    "country": "countries__arraycontains",
    "submitted_after": "submitted_at__gte",
}
STATS_FACETS = ("type", "status", "determination", "contracting_department_code")
SETTINGS = {
    # Datasette's facet suggestions try every one of the ~50 columns on each
    # table page; a publisher of a million rows turns them off.
    "suggest_facets": "off",
    "sql_time_limit_ms": 120_000,
    "facet_time_limit_ms": 120_000,
    "max_returned_rows": 2_000,  # the unmeasured look-up of a page-50 position reads 1,225
}
PAGE_SIZE = 25


def missing_packages() -> str:
    """Why the peer side cannot run here, or "" when it can."""
    missing = [name for name in ("datasette", "sqlite_utils") if not importlib.util.find_spec(name)]
    if missing:
        return f"{' and '.join(missing)} not installed; install with: {INSTALL_HINT}"
    return ""


def build(path: Path, chunk_size: int = 2000) -> dict:
    """Write the public rows to a fresh SQLite database at `path`."""
    import sqlite_utils

    started = time.perf_counter()
    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    names = [column.name for column in EXPORT_COLUMNS]
    for name in (*SEARCH_COLUMNS, *INDEXED_COLUMNS, *STATS_FACETS, "countries", "public_id"):
        if name not in names:
            raise ValueError(f"{name} is not a published column (waivers.columns)")
    types = {
        column.name: int if isinstance(column.kind, Integer | Boolean) else str
        for column in EXPORT_COLUMNS
    }
    site = settings.SITE_URL.rstrip("/")
    rows = EXPORT_READER.rows(
        Waiver.objects.public().order_by("id"), lambda url: site + url, chunk_size
    )
    table = db[TABLE]
    table.create(types, pk="public_id")
    table.insert_all(rows, batch_size=chunk_size)
    loaded = time.perf_counter()
    # Porter stemming, as the site's English search configuration stems.
    table.enable_fts(
        list(SEARCH_COLUMNS), fts_version="FTS5", create_triggers=False, tokenize="porter"
    )
    for name in INDEXED_COLUMNS:
        table.create_index([name])
    db.analyze()
    db.vacuum()
    count = table.count
    db.close()
    return {
        "rows": count,
        "columns": len(names),
        "search_columns": list(SEARCH_COLUMNS),
        "indexed_columns": list(INDEXED_COLUMNS),
        "load_seconds": round(loaded - started, 2),
        "seconds": round(time.perf_counter() - started, 2),
        "megabytes": round(path.stat().st_size / 2**20, 1),
    }


class Datasette:
    """`datasette serve --immutable` of the copy on a free loopback port."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def describe(self) -> str:
        import datasette.version

        limits = ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
        return f"datasette {datasette.version.__version__} --immutable, loopback; {limits}"

    def __enter__(self):
        command = [sys.executable, "-m", "datasette", "serve", "--immutable", str(self.path)]
        command += ["--host", HOST, "--port", str(self.port)]
        for name, value in SETTINGS.items():
            command += ["--setting", name, str(value)]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_until_it_answers(self.process, self.port, FLOOR_PATH, "datasette")
        return self

    def __exit__(self, *exc):
        stop(self.process)


# --- the workload in Datasette's URLs -----------------------------------------------------


def _params(query) -> list[tuple[str, str]]:
    params = [("_search", query.keywords)] if query.keywords else []
    for name, value in query.filters:
        if name == "submitted_before":  # the last day, included
            day = dt.date.fromisoformat(value) + dt.timedelta(days=1)
            params.append(("submitted_at__lt", day.isoformat()))
        else:
            params.append((FILTER_PARAMETERS[name], value))
    # The site's default order is newest first, or relevance with keywords
    # (which Datasette 0.65 does not have: its default order stands in).
    sort = query.sort or ("" if query.keywords else "newest")
    if sort in SORT_COLUMNS:
        params.append(SORT_COLUMNS[sort])
    return params


def _tilde(value) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(str(value))


def _json(port: int, path: str) -> dict:
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return json.loads(body)
    finally:
        connection.close()


def urls(workload, port: int, path: Path) -> list[str]:
    """Datasette's URL of every query. Finding where a deep page starts
    takes one request per page, sent now, before anything is measured."""
    base = f"/{path.stem}/{TABLE}"  # Datasette names a database after its file
    submitted = {}
    anchors = {q.anchor.public_id for q in workload if q.cls == "api_cursor"}
    if anchors:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            marks = ",".join("?" * len(anchors))
            submitted = dict(
                db.execute(
                    f"SELECT public_id, submitted_at FROM {TABLE} WHERE public_id IN ({marks})",  # noqa: S608 - placeholders only
                    sorted(anchors),
                )
            )
    out = []
    for query in workload:
        params = _params(query)
        size = [("_size", str(PAGE_SIZE))]
        json_path = f"{base}.json"
        match query.cls:
            case "waiver_page":
                out.append(f"{base}/{_tilde(query.anchor.public_id)}")
            case "api_detail":
                out.append(f"{base}/{_tilde(query.anchor.public_id)}.json")
            case "stats_page":
                facets = [("_facet", name) for name in STATS_FACETS]
                out.append(f"{base}?{urlencode([*params, *facets, ('_size', '0')])}")
            case "api_cursor":
                sort = SORT_COLUMNS[query.ordering]
                public_id = query.anchor.public_id
                token = f"{_tilde(submitted[public_id])},{_tilde(public_id)}"
                out.append(f"{json_path}?{urlencode([sort, ('_next', token), *size])}")
            case "list_page_deep" | "api_page":
                rows_before = (query.page - 1) * PAGE_SIZE
                skip = [("_size", str(rows_before)), ("_nocount", "1"), ("_nofacet", "1")]
                found = _json(port, f"{json_path}?{urlencode([*params, *skip])}")
                nxt = [("_next", found["next"])] if found.get("next") else []
                where = json_path if query.cls == "api_page" else base
                out.append(f"{where}?{urlencode([*params, *nxt, *size])}")
            case _:
                where = json_path if query.cls.startswith("api_") else base
                out.append(f"{where}?{urlencode([*params, *size])}")
    return out
