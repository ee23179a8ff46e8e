"""Reads behind /categories/ and the category pages (and their API): where
public waivers cluster by product (PSC) and industry (NAICS).

Every figure starts from Waiver.objects.public() filtered by the one
WaiverFilterSet (psc/naics prefix, type, submission dates), so a figure and
the search it links to count the same waivers. Each is cached under the data
version (waivers.caching): a write makes every older figure unreachable.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, Func, Max, Min, Q
from django.db.models.functions import TruncQuarter
from django.http import QueryDict
from django.utils import timezone

from waivers import caching, snapshots
from waivers import categories as cat
from waivers.filters import ENDING_SOON_DAYS, WaiverFilterSet
from waivers.models import Waiver
from waivers.selectors.stats import outcomes

TOP_AGENCIES = 15
LIST_LIMIT = 10
# Recurring needs shown (and in the CSV): the most repeated; the page says how
# many there are in all. A broad category holds thousands of them.
RECURRING_LIMIT = 50


def filtered(params: dict):
    """Public waivers matching WaiverFilterSet parameters (no ordering)."""
    data = QueryDict(mutable=True)
    data.update({name: str(value) for name, value in params.items()})
    filterset = WaiverFilterSet(data, queryset=Waiver.objects.public())
    if not filterset.is_valid():  # parameters are built here, never from a request
        raise ValueError(filterset.errors.as_json())
    return filterset.unordered_qs


def _code_column(scheme: str) -> str:
    return "psc_id" if scheme == cat.PSC else "naics_id"


# --- rankings ----------------------------------------------------------------


def _counts_by_code(scheme: str, period: cat.Period, waiver_type: str) -> dict:
    """{full code: (count in the period, count in the previous period)} in one
    GROUP BY; every level is summed from it."""
    params = {"type": waiver_type} if waiver_type else {}
    span = cat.Period("span", period.previous.start, period.end) if period.previous else period
    queryset = filtered({**params, **span.filter_params()}).filter(
        **{f"{_code_column(scheme)}__isnull": False}
    )
    counts = {"current": Count("id")}
    if period.start is not None:
        start = _start_of_day(period.start)
        counts = {
            "current": Count("id", filter=Q(submitted_at__gte=start)),
            "previous": Count("id", filter=Q(submitted_at__lt=start)),
        }
    rows = queryset.order_by().values(code=F(_code_column(scheme))).annotate(**counts)
    return caching.cached(
        caching.queryset_key(f"category-counts-{scheme}", rows, period.key, str(period.end)),
        lambda: {row["code"]: (row["current"], row.get("previous", 0)) for row in rows},
    )


def ranking(scheme: str, *, level: int, period: cat.Period, waiver_type: str = "") -> dict:
    """The categories of one level ranked by their waivers in `period`, with
    the previous period's count and the change. Categories with waivers in
    either period only."""
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code, (current, previous) in _counts_by_code(scheme, period, waiver_type).items():
        row = summed[code[:level]]
        row[0] += current
        row[1] += previous
    names = cat.titles(scheme, summed)
    rows = sorted(
        (
            {
                "code": code,
                "title": names[code],
                "count": current,
                "previous_count": previous if period.previous else None,
                "change": current - previous if period.previous else None,
                "change_percent": _percent_change(current, previous) if period.previous else None,
            }
            for code, (current, previous) in summed.items()
        ),
        key=lambda row: (-row["count"], -(row["previous_count"] or 0), row["code"]),
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return {
        "scheme": scheme,
        "level": level,
        "level_name": cat.LEVELS[scheme][level],
        "period": period,
        "type": waiver_type,
        "total": sum(row["count"] for row in rows),
        "previous_total": sum(row["previous_count"] or 0 for row in rows)
        if period.previous
        else None,
        "rows": rows,
    }


def ranking_key(choice: dict) -> str:
    """The cache key of a ranking as shown (RankingForm.choice()): the data
    version and the choice."""
    period = choice["period"]
    return caching.queryset_key(
        "category-ranking",
        Waiver.objects.public(),
        choice["scheme"],
        str(choice["level"]),
        period.key,
        str(period.end),
        choice["type"],
    )


def _percent_change(current: int, previous: int) -> int | None:
    """Whole percent change; None when there was nothing before."""
    if not previous:
        return None
    return round(100 * (current - previous) / previous)


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- one category ------------------------------------------------------------


class Unnest(Func):
    function = "unnest"


def category_waivers(scheme: str, code: str):
    """The public waivers of a category at any level (the search's filter)."""
    return filtered({scheme: code})


def category_figures(scheme: str, code: str) -> dict:
    """Every figure of a category page (plain data, cached; precomputed for
    large categories, with "as_of" when the record has changed since: see
    waivers.snapshots)."""
    return snapshots.read(_category_snapshot(scheme, code))


def _category_snapshot(scheme: str, code: str) -> snapshots.Figures:
    waivers = category_waivers(scheme, code)
    return snapshots.Figures(
        name=f"category:{scheme}:{code}",
        cache_key=caching.queryset_key("category-page", waivers, str(timezone.localdate())),
        compute=lambda: _category_figures(scheme, code, waivers),
    )


def snapshot_targets(threshold: int):
    """(figures, waivers) of every category, at every level, with at least
    `threshold` public waivers (one GROUP BY per scheme)."""
    for scheme in cat.SCHEMES:
        by_prefix: dict[str, int] = defaultdict(int)
        for code, (n, _) in _counts_by_code(scheme, cat.period("all"), "").items():
            for level in cat.LEVELS[scheme]:
                if len(code) >= level:
                    by_prefix[code[:level]] += n
        for code, n in sorted(by_prefix.items(), key=lambda item: (-item[1], item[0])):
            if n >= threshold:
                yield _category_snapshot(scheme, code), n


def _category_figures(scheme: str, code: str, waivers) -> dict:
    base = waivers.order_by()
    span = base.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
    total, determinations, _decisions, responses = outcomes(base)
    return {
        "total": total,
        "first": _local_date(span["first"]),
        "last": _local_date(span["last"]),
        "per_quarter": _per_quarter(base),
        "determinations": determinations,
        "responses": responses,
        "agencies": _agencies(base),
        "agency_count": base.values("contracting_agency_id").distinct().count(),
        "countries": _countries(base),
        "without_countries": base.filter(countries=[]).count(),
        "recurring": _recurring(scheme, base),
        "recurring_count": _recurring_pairs(scheme, base).count(),
        "children": _children(scheme, code, base),
        "open": _listed(base.filter(Waiver.AWAITING_REVIEW).order_by("review_due_date", "id")),
        "ending_soon": _listed(
            filtered({scheme: code, "ending_within": str(ENDING_SOON_DAYS)}).order_by(
                "expires", "id"
            )
        ),
    }


def _local_date(value) -> dt.date | None:
    return timezone.localtime(value).date() if value else None


def _per_quarter(base) -> list[dict]:
    """Waivers by quarter of submission and type, from the category's first
    quarter to its last (quarters between with none are kept, so the gaps
    show; nothing before the first or after the last)."""
    rows = (
        base.filter(submitted_at__isnull=False)
        .annotate(quarter=TruncQuarter("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("quarter", "waiver_type")
        .annotate(count=Count("id"))
    )
    counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        quarter = row["quarter"]
        quarter = quarter.date() if isinstance(quarter, dt.datetime) else quarter
        counts[quarter][row["waiver_type"]] = row["count"]
    if not counts:
        return []
    result = []
    quarter, last = min(counts), max(counts)
    while quarter <= last:
        by_type = {t.value: counts.get(quarter, {}).get(t.value, 0) for t in Waiver.Type}
        number = (quarter.month - 1) // 3 + 1
        result.append(
            {
                "quarter": f"{quarter.year}-Q{number}",
                "label": f"Q{number} {quarter.year}",
                "total": sum(by_type.values()),
                "by_type": by_type,
            }
        )
        month = quarter.month + 3
        quarter = dt.date(quarter.year + (month > 12), (month - 1) % 12 + 1, 1)
    return result


def _agencies(base) -> list[dict]:
    rows = (
        base.values(
            code=F("contracting_agency__code"),
            name=F("contracting_agency__name"),
            slug=F("contracting_agency__slug"),
            department=F("contracting_agency__parent__name"),
        )
        .annotate(count=Count("id"))
        .order_by("-count", "name")[:TOP_AGENCIES]
    )
    return [dict(row) for row in rows]


def _countries(base) -> list[dict]:
    import pycountry

    rows = (
        base.annotate(country=Unnest("countries"))
        .values("country")
        .annotate(count=Count("id"))
        .order_by("-count", "country")
    )
    result = []
    for row in rows:
        found = pycountry.countries.get(alpha_2=row["country"])
        result.append(
            {
                "code": row["country"],
                "label": found.name if found else row["country"],
                "count": row["count"],
            }
        )
    return result


def _recurring_pairs(scheme: str, base):
    """(code, contracting agency) pairs waived more than once: recurring needs."""
    column = _code_column(scheme)
    return (
        base.filter(**{f"{column}__isnull": False})
        .values(
            code=F(column),
            agency_code=F("contracting_agency__code"),
            agency_name=F("contracting_agency__name"),
            agency_slug=F("contracting_agency__slug"),
        )
        .annotate(count=Count("id"), first=Min("submitted_at"), last=Max("submitted_at"))
        .filter(count__gte=2)
    )


def _recurring(scheme: str, base) -> list[dict]:
    """Recurring needs: the same code (4-character PSC, 6-digit NAICS) waived
    more than once by the same contracting agency, the RECURRING_LIMIT most
    repeated first."""
    rows = _recurring_pairs(scheme, base).order_by("-count", "agency_name", "code")
    rows = [dict(row) for row in rows[:RECURRING_LIMIT]]
    names = cat.titles(scheme, {row["code"] for row in rows})
    for row in rows:
        row["title"] = names[row["code"]]
        row["first"] = _local_date(row["first"])
        row["last"] = _local_date(row["last"])
    return rows


def _children(scheme: str, code: str, base) -> list[dict]:
    """The next level down inside this category, by waivers (all years)."""
    level = cat.child_level(scheme, len(code))
    if level is None:
        return []
    column = _code_column(scheme)
    counts: dict[str, int] = defaultdict(int)
    for full, n in (
        base.filter(**{f"{column}__isnull": False})
        .values_list(column)
        .annotate(n=Count("id"))
        .values_list(column, "n")
    ):
        counts[full[:level]] += n
    names = cat.titles(scheme, counts)
    return [
        {"code": child, "title": names[child], "count": n}
        for child, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _listed(queryset) -> dict:
    rows = queryset.select_related("contracting_agency")[:LIST_LIMIT]
    return {
        "count": queryset.count(),
        "waivers": [
            {
                "public_id": w.public_id,
                "title": w.procurement_title,
                "agency": w.contracting_agency.name,
                "expires": w.expires,
                "expires_is_estimate": w.expires_is_estimate,
                "url": w.get_absolute_url(),
            }
            for w in rows
        ],
    }
