"""The agency scorecard: for each department and sub-tier agency, figures of
its public waivers (/agencies/, the agency pages, /api/v1/agencies/scorecard/).

Definitions (each stated in words on the pages and in docs/categories.md):

- ``total``: public waivers it contracted (a department counts its sub-tiers',
  the rule of AgencyQuerySet.covering); ``per_year``: by year of submission.
- ``consistent`` / ``conditional`` / ``inconsistent``: shares of the waivers
  with an OMB determination (``determined``).
- ``median_days`` / ``p90_days``: calendar days from submission to MIAO's
  determination, over the waivers with both dates (``timed``).
- ``within_15``: share of ``timed`` determined within 15 business days of
  submission (weekends and federal holidays do not count; dates in the site's
  time zone), the review period E.O. 14005 sets.
- ``decided``: share of all with the agency's final decision recorded;
  ``withdrawn``: share withdrawn.
- ``top_categories``: the three PSC category groups with most waivers.

A department's medians are computed over its sub-tiers' waivers together
(never averaged from theirs). Everything is cached under the data version,
and precomputed when it covers many waivers (waivers.snapshots).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache

from django.db.models import Count, F, Func, IntegerField, Q
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils import timezone

from agencies.models import Agency
from waivers import caching, snapshots
from waivers import categories as cat
from waivers.business_days import REVIEW_BUSINESS_DAYS, is_business_day
from waivers.models import Waiver
from waivers.selectors.agencies import counts_by_contracting_agency
from waivers.selectors.stats import EpochDays, PercentileCont

TOP_CATEGORIES = 3
SNAPSHOT = "scorecard"  # the name of its precomputed figures (waivers.snapshots)
# Business-day numbers are kept for these dates (waivers before or after
# have no "within 15 business days" answer: they count as not within).
CALENDAR_START = dt.date(2020, 1, 1)
CALENDAR_YEARS = 12


@lru_cache(maxsize=1)
def _business_day_numbers() -> list[int]:
    """n[i]: business days after CALENDAR_START up to CALENDAR_START + i, so
    the business days between two dates are the difference of their numbers
    (the count of waivers.business_days.business_days_between)."""
    numbers, count = [], 0
    day = CALENDAR_START
    end = CALENDAR_START.replace(year=CALENDAR_START.year + CALENDAR_YEARS)
    while day < end:
        if day != CALENDAR_START and is_business_day(day):
            count += 1
        numbers.append(count)
        day += dt.timedelta(days=1)
    return numbers


class BusinessDayNumber(Func):
    """_business_day_numbers() of the local date of a timestamp (NULL outside
    the calendar): one array parameter, indexed in SQL."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        zone = str(timezone.get_current_timezone())
        return (
            f"(%s::int[])[(({sql} AT TIME ZONE %s)::date - %s::date) + 1]",
            [_business_day_numbers(), *params, zone, CALENDAR_START],
        )


def _figures() -> dict:
    """The aggregates of one group of waivers."""
    determined = ~Q(determination="")
    timed = Q(determined_at__isnull=False, submitted_at__isnull=False)
    days = EpochDays(F("determined_at") - F("submitted_at"))
    business_days = BusinessDayNumber(F("determined_at")) - BusinessDayNumber(F("submitted_at"))
    D = Waiver.Determination
    return {
        "total": Count("id"),
        "determined": Count("id", filter=determined),
        "consistent_n": Count("id", filter=Q(determination=D.CONSISTENT)),
        "conditional_n": Count("id", filter=Q(determination=D.CONDITIONALLY_CONSISTENT)),
        "inconsistent_n": Count("id", filter=Q(determination=D.INCONSISTENT)),
        "timed": Count("id", filter=timed),
        "median": PercentileCont(days, 0.5),
        "p90": PercentileCont(days, 0.9),
        "within_15_n": Count("id", filter=timed & Q(business_days__lte=REVIEW_BUSINESS_DAYS)),
        "decided_n": Count("id", filter=~Q(final_decision="")),
        "withdrawn_n": Count("id", filter=Q(status=Waiver.Status.WITHDRAWN)),
    }, business_days


def _share(part: int, whole: int) -> float | None:
    """Percent with one decimal; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def _finish(row: dict) -> dict:
    """Counts to the published figures (shares and rounded days)."""

    def days(value):
        return None if value is None else round(value, 1)

    return {
        "total": row["total"],
        "determined": row["determined"],
        "consistent": _share(row["consistent_n"], row["determined"]),
        "conditional": _share(row["conditional_n"], row["determined"]),
        "inconsistent": _share(row["inconsistent_n"], row["determined"]),
        "timed": row["timed"],
        "median_days": days(row["median"]),
        "p90_days": days(row["p90"]),
        "within_15": _share(row["within_15_n"], row["timed"]),
        "decided": _share(row["decided_n"], row["total"]),
        "withdrawn": _share(row["withdrawn_n"], row["total"]),
        "counts": {
            name.removesuffix("_n"): row[name]
            for name in ("consistent_n", "conditional_n", "inconsistent_n", "within_15_n")
            + ("decided_n", "withdrawn_n")
        },
    }


def _grouped(queryset, **group) -> list[dict]:
    aggregates, business_days = _figures()
    return list(
        queryset.order_by()
        .alias(business_days=business_days)
        .values(**group)
        .annotate(**aggregates)
    )


def _public():
    return Waiver.objects.public()


def scorecard() -> dict:
    """{"years": [...], "departments": [...], "subtiers": [...]}: a row per
    agency with public waivers (see the module doc)."""
    return snapshots.read(_scorecard_snapshot())


def _scorecard_snapshot() -> snapshots.Figures:
    public = _public()
    return snapshots.Figures(SNAPSHOT, scorecard_key(), lambda: _scorecard(public))


def stale_as_of():
    """When the scorecard figures served were computed, if the record has
    changed since (else None): see waivers.snapshots."""
    return snapshots.stale_as_of(SNAPSHOT)


def scorecard_key(*extra: str) -> str:
    """The cache key of the scorecard's figures (with `extra`: of something
    made from them, such as the rendered table in one order)."""
    return caching.queryset_key("scorecard", _public(), *extra)


def _scorecard(public) -> dict:
    department = Coalesce("contracting_agency__parent_id", "contracting_agency_id")
    by_subtier = {
        row.pop("agency"): row for row in _grouped(public, agency=F("contracting_agency_id"))
    }
    by_department = {row.pop("agency"): row for row in _grouped(public, agency=department)}
    year = ExtractYear("submitted_at", tzinfo=timezone.get_current_timezone())
    # Years and PSC groups in one GROUP BY (agency, year, group).
    per_year: dict[int, dict[int, int]] = defaultdict(dict)
    groups: dict[int, dict[str, int]] = defaultdict(dict)
    for agency_id, year_value, prefix, n in (
        public.order_by()
        .values_list("contracting_agency_id", year, Substr("psc_id", 1, 2))
        .annotate(n=Count("id"))
    ):
        if year_value is not None:
            per_year[agency_id][year_value] = per_year[agency_id].get(year_value, 0) + n
        if prefix:
            groups[agency_id][prefix] = groups[agency_id].get(prefix, 0) + n
    agencies = Agency.objects.filter(pk__in=set(by_subtier) | set(by_department)).select_related(
        "parent"
    )
    agencies = {agency.pk: agency for agency in agencies}
    # A department's years and categories: its own and its sub-tiers'.
    for source in (per_year, groups):
        for agency_id, counts in list(source.items()):
            parent = agencies[agency_id].parent_id
            if parent is not None:
                for key, n in counts.items():
                    source[parent][key] = source[parent].get(key, 0) + n
    years = sorted({y for counts in per_year.values() for y in counts if y is not None})
    group_titles = cat.titles(cat.PSC, {p for counts in groups.values() for p in counts})

    def row(agency_id: int, counts: dict) -> dict:
        agency = agencies[agency_id]
        top = sorted(groups.get(agency_id, {}).items(), key=lambda item: (-item[1], item[0]))
        return {
            "code": agency.code,
            "name": agency.display_name,
            "slug": agency.slug,
            "url": agency.get_absolute_url(),
            "kind": agency.kind,
            "department": agency.parent.display_name if agency.parent_id else "",
            **_finish(counts),
            "per_year": [{"year": y, "count": per_year[agency_id].get(y, 0)} for y in years],
            "top_categories": [
                {"code": code, "title": group_titles.get(code, ""), "count": n}
                for code, n in top[:TOP_CATEGORIES]
            ],
        }

    return {
        "years": years,
        "departments": [row(pk, counts) for pk, counts in by_department.items()],
        "subtiers": [
            row(pk, counts)
            for pk, counts in by_subtier.items()
            if agencies[pk].kind == Agency.Kind.SUBTIER
        ],
    }


def agency_trend(agency: Agency) -> dict:
    """The scorecard figures of one agency (a department with its sub-tiers),
    all years together and year by year."""
    return snapshots.read(_agency_snapshot(agency))


def _agency_snapshot(agency: Agency) -> snapshots.Figures:
    ids = list(Agency.objects.covering([agency]).values_list("pk", flat=True))
    waivers = _public().filter(contracting_agency_id__in=ids)

    def compute():
        year = ExtractYear("submitted_at", tzinfo=timezone.get_current_timezone())
        rows = _grouped(waivers.filter(submitted_at__isnull=False), year=year)
        aggregates, business_days = _figures()
        overall = waivers.order_by().alias(business_days=business_days).aggregate(**aggregates)
        return {
            "overall": _finish(overall),
            "years": [
                {"year": row.pop("year"), **_finish(row)}
                for row in sorted(rows, key=lambda r: r["year"])
            ],
        }

    return snapshots.Figures(
        f"agency:{agency.code}", caching.queryset_key("agency-trend", waivers), compute
    )


def snapshot_targets(threshold: int):
    """(figures, waivers) of the scorecard and of every agency (a department
    with its sub-tiers) with at least `threshold` public waivers."""
    counts = counts_by_contracting_agency(_public())
    if sum(counts.values()) >= threshold:
        yield _scorecard_snapshot(), sum(counts.values())
    covered = [
        row
        for department in Agency.objects.counted(counts)
        for row in (department, *department.subtiers)
    ]
    for row in sorted(covered, key=lambda row: (-row.count, row.agency.code)):
        if row.count >= threshold:
            yield _agency_snapshot(row.agency), row.count


SORTS = {
    "name": ("Agency (A–Z)", lambda row: row["name"].lower()),
    "total": ("Waivers", lambda row: row["total"]),
    "consistent": ("Share consistent", lambda row: row["consistent"]),
    "conditional": ("Share conditionally consistent", lambda row: row["conditional"]),
    "inconsistent": ("Share inconsistent", lambda row: row["inconsistent"]),
    "median_days": ("Median review days", lambda row: row["median_days"]),
    "p90_days": ("90th percentile review days", lambda row: row["p90_days"]),
    "within_15": ("Share within 15 business days", lambda row: row["within_15"]),
    "decided": ("Share decided", lambda row: row["decided"]),
    "withdrawn": ("Share withdrawn", lambda row: row["withdrawn"]),
}


def sorted_rows(rows: list[dict], sort: str) -> list[dict]:
    """Rows by `sort` ("total" or "-total": descending); agencies without the
    figure (no determination yet) last, ties by name."""
    descending = sort.startswith("-")
    key = SORTS[sort.removeprefix("-")][1]
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    known.sort(key=lambda row: row["name"].lower())
    known.sort(key=key, reverse=descending)
    unknown.sort(key=lambda row: row["name"].lower())
    return known + unknown
