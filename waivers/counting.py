"""Counts that are exact when they are cheap and otherwise estimated, and
said to be (issue 19, docs/decisions/0025-counts-within-a-time-budget.md).

Counting every match of a broad search means reading hundreds of thousands
of rows; the first visitor to ask paid seconds for it. A count now runs
within a time budget (COUNT_BUDGET_MS, `within_budget`): if PostgreSQL
finishes it in time it is exact; if not, the statement is cancelled and the
same query is run over a random sample of the table (`Sample`,
`over_sample`), scaled up and rounded to two significant figures, and every
page and API response that shows it says so ("about"; `ResultCount.exact`
is False). Never a hidden wrong number. The facet counts
(waivers.selectors.facets) and the statistics (waivers.selectors.stats)
follow the same rule.

Both kinds are cached under the data version (waivers.caching), so a
search's count is decided once per change of the record.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connections
from psycopg.errors import QueryCanceled

from waivers import caching
from waivers.models.waiver import (
    FIGURE_SAMPLE_REMAINDER,
    ID_SAMPLE_MODULUS,
    KEYWORD_SAMPLE_REMAINDER,
)
from waivers.planning import local_setting

T = TypeVar("T")

# Page numbers (site and API) reach the first this many rows of a search: an
# OFFSET reads every row it skips, so a page a million rows deep costs as much
# as reading them all. Past it: narrower searches, the downloads, or the API's
# keyset cursor, which costs the same at any depth. (Search engines use the
# same bound, e.g. Elasticsearch's max_result_window.)
PAGING_LIMIT = 10_000


class OverBudget(Exception):
    """The statements did not finish within their time budget and were cancelled."""


def within_budget(using: str, budget_ms: float, compute: Callable[[], T]) -> T:
    """compute(), given about `budget_ms` for its statements on database
    `using`; OverBudget when they take longer. PostgreSQL cancels a statement
    that runs past the budget (statement_timeout), and no statement starts
    once the budget is spent, so the whole takes at most about twice it.

    The timeout holds for the block only (planning.local_setting)."""
    connection = connections[using]
    deadline = time.monotonic() + budget_ms / 1000

    def stop_when_spent(execute, sql, params, many, context):
        if time.monotonic() > deadline:
            raise OverBudget
        return execute(sql, params, many, context)

    try:
        timeout = f"{max(1, int(budget_ms))}ms"
        with (
            local_setting(using, "statement_timeout", timeout),
            connection.execute_wrapper(stop_when_spent),
        ):
            return compute()
    except OperationalError as error:
        if isinstance(error.__cause__, QueryCanceled):
            raise OverBudget from error
        raise


@dataclass(frozen=True)
class ResultCount:
    """How many rows a search matches: exact, or estimated (then shown as "about")."""

    value: int
    exact: bool = True

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return f"{self.value:,}" if self.exact else f"about {self.value:,}"


def round_estimate(rows: float) -> int:
    """Two significant figures: an estimate should not look exact (123,456 -> 120,000)."""
    if rows < 100:
        return max(0, round(rows))
    scale = 10 ** (int(math.log10(rows)) - 1)
    return int(round(rows / scale) * scale)


# --- estimates from a sample of the table ----------------------------------------------
# Rows in a sample: enough for a figure of 5 % of the waivers to be within
# about 10 %; the sample's share of the table follows the table's size.
SAMPLE_ROWS = 10_000
# The same sample for every request: the same question gets the same answer.
SAMPLE_SEED = 19
_WAIVER_TABLE = re.compile(r'FROM "waivers_waiver"(?![\w"])')
_WAIVER_TABLE_READ = re.compile(r'(?:FROM|JOIN) "waivers_waiver"(?![\w"])')


# From this many waivers, a sample is 1 in ID_SAMPLE_MODULUS waivers by id
# (1 %, at least 5,000 waivers), each with an index of its own. A keyword
# search's sample (ids leaving KEYWORD_SAMPLE_REMAINDER) has a keyword index
# (waiver_sample_search_gin, waivers migration 0012), so a word's matches in
# it are found without reading each sampled waiver's search vector (at a
# million waivers, 25 ms -> under 1 ms). Other figures' sample (ids leaving
# FIGURE_SAMPLE_REMAINDER) has an index with the columns of the filters and
# facets (waiver_figure_sample_idx, 0014), so a figure over it is an
# index-only scan instead of a read of 1 % of the table's pages (TABLESAMPLE:
# 11 ms -> 1-3.5 ms a statement). Smaller tables sample pages.
ID_SAMPLE_FROM_ROWS = ID_SAMPLE_MODULUS * SAMPLE_ROWS // 2
_ID_SAMPLE = (
    'FROM (SELECT * FROM "waivers_waiver" WHERE MOD("waivers_waiver"."id", '  # noqa: S608
    f'{ID_SAMPLE_MODULUS}) = {{remainder}}) AS "waivers_waiver"'  # (constant integers)
)
_FULL_TEXT_MATCH = "@@"


@dataclass(frozen=True)
class Sample:
    """A random sample of the waiver table's pages (TABLESAMPLE SYSTEM), or
    with `by_id` (percent 100 / ID_SAMPLE_MODULUS) the waivers whose id
    leaves KEYWORD_SAMPLE_REMAINDER (a keyword search) or
    FIGURE_SAMPLE_REMAINDER (other queries) divided by ID_SAMPLE_MODULUS."""

    percent: float
    by_id: bool = False

    @property
    def scale(self) -> float:
        return 100 / self.percent

    def estimate(self, sampled_rows: int) -> int:
        return round_estimate(sampled_rows * self.scale)

    def sql(self, sql: str) -> str | None:
        """`sql` (compiled ORM SQL) reading the sample instead of the whole
        table, or None unless the table is read exactly once, in a FROM (a
        subquery or join over it would be sampled too, and no longer mean
        what it says)."""
        if len(_WAIVER_TABLE_READ.findall(sql)) != 1 or not _WAIVER_TABLE.search(sql):
            return None
        if self.by_id:
            keyword = _FULL_TEXT_MATCH in sql
            remainder = KEYWORD_SAMPLE_REMAINDER if keyword else FIGURE_SAMPLE_REMAINDER
            return _WAIVER_TABLE.sub(_ID_SAMPLE.format(remainder=remainder), sql, count=1)
        return _WAIVER_TABLE.sub(
            f'FROM "waivers_waiver" TABLESAMPLE SYSTEM ({self.percent:.4f}) '
            f"REPEATABLE ({SAMPLE_SEED})",
            sql,
            count=1,
        )


def sampled(sql: str, sample: Sample | None) -> tuple[str, Sample | None]:
    """(SQL over the sample, the sample) when `sql` can be sampled, else
    (`sql` unchanged, None): the figure is then computed exactly."""
    if sample is not None and (over_sample := sample.sql(sql)) is not None:
        return over_sample, sample
    return sql, None


class CannotSample(Exception):
    """A statement read the waiver table more than once (see Sample.sql)."""


@contextmanager
def over_sample(using: str, sample: Sample) -> Iterator[None]:
    """Every statement on database `using` inside the block reads `sample`
    instead of the whole waiver table (statements that do not read it run
    as they are); CannotSample for one that reads it twice. The figures
    computed inside are the sample's: scale them with sample.estimate."""

    def rewrite(execute, sql, params, many, context):
        if _WAIVER_TABLE_READ.search(sql):
            sql = sample.sql(sql)
            if sql is None:
                raise CannotSample
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(rewrite):
        yield


def table_rows(using: str) -> float:
    """The planner's count of the waiver table's rows (at least 1)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'waivers_waiver'::regclass")
        return max(1.0, cursor.fetchone()[0])


def budgeted(using: str) -> bool:
    """Whether figures over the waiver table are computed within a budget.
    Not while the whole table is no larger than a sample (SAMPLE_ROWS): an
    exact figure is then always cheap, and an estimate would be the exact
    figure anyway, so it is never said to be one (nor made one by a moment's
    slowness of the server)."""
    return table_rows(using) > SAMPLE_ROWS


def table_sample(using: str) -> Sample:
    """A sample of about SAMPLE_ROWS waivers; 1 % from ID_SAMPLE_FROM_ROWS."""
    rows = table_rows(using)
    if rows >= ID_SAMPLE_FROM_ROWS:
        return Sample(100 / ID_SAMPLE_MODULUS, by_id=True)
    return Sample(min(100.0, max(0.01, 100 * SAMPLE_ROWS / rows)))


# The sample's matching rows are kept by id when there are at most this many,
# so that the facets of the same result read them by id (waivers.selectors.
# facets) instead of matching the whole sample again: for a keyword, matching
# the ~10,000 sampled rows' search vectors took 30 ms at a million waivers,
# reading 300 matches by id about 2 ms.
SAMPLE_IDS_LIMIT = 2_000


@dataclass(frozen=True)
class SampledRows:
    """The rows of a sample that a query holds: how many, and their ids when
    they are at most SAMPLE_IDS_LIMIT."""

    count: int
    ids: tuple[int, ...] | None


def sampled_rows(queryset, sample: Sample) -> SampledRows | None:
    """The rows of `sample` that `queryset` holds, read in one statement and
    cached under the data version; None when the query cannot be sampled."""
    rows = queryset.values("pk").order_by()
    sql, params = rows.query.sql_with_params()
    sql, sample = sampled(sql, sample)
    if sample is None:
        return None

    def read() -> SampledRows:
        with connections[rows.db].cursor() as cursor:
            cursor.execute(
                "SELECT count(*), CASE WHEN count(*) <= %s THEN array_agg(pk) END"  # noqa: S608
                f" FROM ({sql}) AS sampled",  # compiled ORM SQL
                [SAMPLE_IDS_LIMIT, *params],
            )
            count, ids = cursor.fetchone()
        if count > SAMPLE_IDS_LIMIT:
            return SampledRows(count, None)
        return SampledRows(count, tuple(ids or ()))  # array_agg of no rows is NULL

    key = caching.queryset_key("sampled-rows", rows, f"{sample.percent:.4f}/{sample.by_id}")
    return caching.cached(key, read)


def sampled_count(queryset, sample: Sample) -> int | None:
    """The estimated number of rows of `queryset` from `sample`; None when
    the query cannot be sampled."""
    found = sampled_rows(queryset, sample)
    return None if found is None else sample.estimate(found.count)


def planner_estimate(queryset) -> int:
    """PostgreSQL's estimate of the rows `queryset` returns (EXPLAIN; nothing is read)."""
    sql, params = queryset.values("pk").order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return round_estimate(plan[0]["Plan"]["Plan Rows"])


# Matches a count reads in a millisecond: at a million waivers, with the
# table in the OS cache, a keyword's count took about 3.5 microseconds a
# match (its rows' pages are read to check them), so 8,400 matches took 33 ms,
# 14,000 took 50 ms and 27,700 took 97 ms.
COUNTED_ROWS_PER_MS = 300


def countable_rows() -> int:
    """A count the planner expects to be above this many rows is not tried
    within the budget (COUNT_BUDGET_MS): it would only spend it. 15,000 for
    the default 50 ms. (The planner's estimates of keyword matches come from
    the statistics of the search vector, waivers migration 0011.)"""
    return settings.COUNT_BUDGET_MS * COUNTED_ROWS_PER_MS


def _count(rows) -> ResultCount:
    if not budgeted(rows.db):
        return ResultCount(rows.count())
    if planner_estimate(rows) <= countable_rows():
        try:
            return ResultCount(within_budget(rows.db, settings.COUNT_BUDGET_MS, rows.count))
        except OverBudget:
            pass
    estimate = sampled_count(rows, table_sample(rows.db))
    if estimate is None:
        estimate = planner_estimate(rows)
    return ResultCount(estimate, exact=False)


def result_count(queryset) -> ResultCount:
    """The number of rows of `queryset`: exact on a small table (`budgeted`)
    or within COUNT_BUDGET_MS (tried unless the planner expects more than
    countable_rows()), else estimated from a sample of the table (or,
    for a query that cannot be sampled, by the planner). Cached under the
    data version; the key names the rows only (no joins for display, no
    annotations or ordering)."""
    rows = queryset.values("pk").order_by()
    return caching.cached(caching.queryset_key("count", rows), lambda: _count(rows))


def exact_or_estimated(
    queryset, exact: Callable[[], T], estimate: Callable[[Sample], T], wider=()
) -> T:
    """Figures over the rows of `queryset`: exact() on a small table, or when
    the rows were counted in time and exact() finishes within COUNT_BUDGET_MS;
    otherwise estimate(sample). (Rows that could not be counted in time cannot
    be aggregated in time either: they go straight to the sample.) `wider`:
    other querysets exact() reads (a facet in use counts the result without
    its own filter); when the planner expects one above countable_rows(), the
    sample is taken straight away too."""
    using = queryset.db
    if not budgeted(using):
        return exact()
    if result_count(queryset).exact and all(
        planner_estimate(rows) <= countable_rows() for rows in wider
    ):
        try:
            return within_budget(using, settings.COUNT_BUDGET_MS, exact)
        except OverBudget:
            pass
    return estimate(table_sample(using))


def count_up_to(queryset, limit: int) -> int:
    """min(number of rows, limit + 1): reads at most limit + 1 rows, so it
    costs the same however many rows match (enough to tell "more than limit")."""
    rows = queryset.values("pk").order_by()
    key = caching.queryset_key("count-up-to", rows, str(limit))
    return caching.cached(key, lambda: rows[: limit + 1].count())
