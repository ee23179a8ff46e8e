"""Aggregates behind the /stats/ page (and the API's /api/v1/stats/).

`waiver_stats(queryset)` takes any waiver queryset — normally
`WaiverFilterSet(params, queryset=Waiver.objects.public()).qs`, so the figures
follow the same filters as the search page — and returns plain data (ints,
strings, floats, lists of dicts) that serialises to JSON as it is. It runs a
fixed number of queries (eight) whatever the number of waivers.

Returned keys:

- ``total``: number of waivers in the queryset.
- ``types``: ``[{"value", "label"}]``, every waiver type, in display order.
- ``per_month``: ``[{"month": "2022-03", "label": "Mar 2022", "total": n,
  "by_type": {type value: n}}]`` by month of submission (site time zone),
  every month from the first to the last, empty months included.
- ``determinations``: ``[{"value", "label", "count"}]``: MIAO's review outcome
  per waiver: each determination, plus ``review_waived``, ``awaiting`` (still
  under review), ``withdrawn`` (withdrawn before any determination) and
  ``no_review`` (urgent requirements reports, which are reported after award
  and have no review).
- ``decisions``: ``[{"value", "label", "count"}]``: the agency's final
  decision: ``granted``, ``not_granted``, ``pending``, ``withdrawn`` (withdrawn
  without a final decision).
- ``top_agencies``: ``[{"code", "name", "slug", "count"}]``, the ten contracting
  (sub-tier) agencies with the most waivers.
- ``top_psc_categories``: ``[{"prefix", "name", "count"}]``, the ten PSC
  categories (first two characters of the PSC code) with the most waivers.
- ``review_time``: ``{"count", "median_days", "p90_days", "max_days",
  "buckets": [{"label", "min_days", "max_days", "count"}]}``: calendar days
  from submission to MIAO's determination, for waivers that have one
  (``median_days``/``p90_days``/``max_days`` are None when ``count`` is 0;
  the last bucket has ``max_days`` None).
- ``supplier_responses``: ``{"total", "waivers", "granted_despite_response",
  "by_agency": [{"code", "name", "slug", "count"}], "by_psc_category":
  [{"prefix", "name", "count"}]}``: confirmed responses of U.S. manufacturers
  who said they can supply the item; ``waivers`` that drew any;
  ``granted_despite_response``, waivers granted although a manufacturer had
  said (confirmed before the decision was recorded) that it could supply it; the
  ten agencies and PSC categories with most responses.
- ``estimated``: False when every figure is exact; True when they were
  computed over a random sample of the table (see ``waiver_stats``).
- ``sample_percent``: the sample's share of the table, or None when exact.
"""

import datetime as dt
from functools import partial

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from waivers import caching, counting
from waivers.models import PscCode, Waiver, WaiverStatusChange

TOP_LIMIT = 10
# Review time buckets in whole calendar days: (label, min, max or None).
REVIEW_TIME_BUCKETS = (
    ("0–1 days", 0, 1),
    ("2–4 days", 2, 4),
    ("5–7 days", 5, 7),
    ("8–10 days", 8, 10),
    ("11–15 days", 11, 15),
    ("16–21 days", 16, 21),
    ("22 days or more", 22, None),
)
SECONDS_PER_DAY = 86400


class PercentileCont(Aggregate):
    """PostgreSQL percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochDays(Func):
    """Whole and fractional days in an interval, as double precision:
    date_part, unlike EXTRACT (numeric since PostgreSQL 14), keeps the
    percentiles and bucket filters in fast floating point (2.2 s -> 0.4 s over
    a million waivers). Whole days stay exact: n * 86400 / 86400 == n."""

    template = f"(date_part('epoch', %(expressions)s) / {SECONDS_PER_DAY})"
    output_field = FloatField()


def _base(queryset):
    # Drop ordering (and with it any join it needed) before grouping.
    return queryset.order_by()


def _per_month(queryset) -> list[dict]:
    rows = (
        _base(queryset)
        .filter(submitted_at__isnull=False)
        .annotate(month=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "waiver_type")
        .annotate(count=Count("id"))
        .order_by("month")
    )
    counts: dict[dt.date, dict[str, int]] = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        counts.setdefault(month, {})[row["waiver_type"]] = row["count"]
    if not counts:
        return []
    months = []
    month, last = min(counts), max(counts)
    while month <= last:
        by_type = {t.value: counts.get(month, {}).get(t.value, 0) for t in Waiver.Type}
        months.append(
            {
                "month": month.strftime("%Y-%m"),
                "label": month.strftime("%b %Y"),
                "total": sum(by_type.values()),
                "by_type": by_type,
            }
        )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _responded_before_decision():
    """A supplier response confirmed before the final decision was recorded
    (its status change to decided)."""
    from responses.models import SupplierResponse

    decided_at = (
        WaiverStatusChange.objects.filter(
            waiver=OuterRef(OuterRef("pk")), to_status=Waiver.Status.DECIDED
        )
        .order_by("at")
        .values("at")[:1]
    )
    return Exists(
        SupplierResponse.objects.confirmed().filter(
            waiver=OuterRef("pk"), confirmed_at__lt=Subquery(decided_at)
        )
    )


def outcomes(queryset) -> tuple[int, list[dict], list[dict], dict]:
    Status = Waiver.Status
    no_determination = Q(determination="")
    report = Q(waiver_type=Waiver.Type.URGENT_REPORT)
    reviewable = no_determination & ~report
    review_counts = {
        value: Count("id", filter=Q(determination=value)) for value in Waiver.Determination.values
    }
    figures = _base(queryset).aggregate(
        total=Count("id"),
        **review_counts,
        review_waived=Count(
            "id",
            filter=reviewable & Q(status__in=[Status.REVIEW_WAIVED, Status.DECIDED]),
        ),
        awaiting=Count("id", filter=reviewable & Q(status__in=Waiver.OPEN_STATUSES)),
        withdrawn_undetermined=Count("id", filter=reviewable & Q(status=Status.WITHDRAWN)),
        no_review=Count("id", filter=no_determination & report),
        granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.GRANTED)),
        not_granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.NOT_GRANTED)),
        pending=Count("id", filter=Waiver.PENDING_DECISION),
        withdrawn_undecided=Count("id", filter=Q(final_decision="") & Q(status=Status.WITHDRAWN)),
        responses=Coalesce(Sum("supplier_response_count"), 0),
        responded=Count("id", filter=Q(supplier_response_count__gt=0)),
        granted_despite_response=Count(
            "id",
            filter=Q(final_decision=Waiver.FinalDecision.GRANTED, supplier_response_count__gt=0)
            & Q(_responded_before_decision()),
        ),
    )
    determinations = [
        {"value": value, "label": label, "count": figures[value]}
        for value, label in Waiver.Determination.choices
    ] + [
        {"value": "review_waived", "label": "Review waived", "count": figures["review_waived"]},
        {"value": "awaiting", "label": "Under review", "count": figures["awaiting"]},
        {
            "value": "withdrawn",
            "label": "Withdrawn before a determination",
            "count": figures["withdrawn_undetermined"],
        },
        {"value": "no_review", "label": "Urgent report (no review)", "count": figures["no_review"]},
    ]
    decisions = [
        {"value": "granted", "label": "Granted", "count": figures["granted"]},
        {"value": "not_granted", "label": "Not granted", "count": figures["not_granted"]},
        {"value": "pending", "label": "No final decision yet", "count": figures["pending"]},
        {
            "value": "withdrawn",
            "label": "Withdrawn without a decision",
            "count": figures["withdrawn_undecided"],
        },
    ]
    responses = {
        "total": figures["responses"],
        "waivers": figures["responded"],
        "granted_despite_response": figures["granted_despite_response"],
    }
    return figures["total"], determinations, decisions, responses


def _responses_by(queryset) -> tuple[list[dict], list[dict]]:
    """Confirmed supplier responses by contracting agency and by PSC category
    (one query, over the waivers that drew any): most first."""
    rows = (
        _base(queryset)
        .filter(supplier_response_count__gt=0)
        .annotate(prefix=Substr("psc_id", 1, 2))
        .values(
            "prefix",
            code=F("contracting_agency__code"),
            name=F("contracting_agency__name"),
            slug=F("contracting_agency__slug"),
        )
        .annotate(count=Sum("supplier_response_count"))
    )
    agencies: dict[str, dict] = {}
    categories: dict[str, int] = {}
    for row in rows:
        agency = agencies.setdefault(
            row["code"], {"code": row["code"], "name": row["name"], "slug": row["slug"], "count": 0}
        )
        agency["count"] += row["count"]
        if row["prefix"]:
            categories[row["prefix"]] = categories.get(row["prefix"], 0) + row["count"]
    by_agency = sorted(agencies.values(), key=lambda a: (-a["count"], a["name"]))[:TOP_LIMIT]
    by_psc = sorted(
        ({"prefix": prefix, "count": count} for prefix, count in categories.items()),
        key=lambda c: (-c["count"], c["prefix"]),
    )[:TOP_LIMIT]
    return by_agency, by_psc


def _top_agencies(queryset) -> list[dict]:
    rows = (
        _base(queryset)
        .values(
            code=F("contracting_agency__code"),
            name=F("contracting_agency__name"),
            slug=F("contracting_agency__slug"),
        )
        .annotate(count=Count("id"))
        .order_by("-count", "name")[:TOP_LIMIT]
    )
    return [dict(row) for row in rows]


def _top_psc_categories(queryset, more_prefixes: list[dict] = ()) -> list[dict]:
    """The ten PSC categories with most waivers; `more_prefixes` (rows with a
    "prefix") are given their names in the same look-up."""
    rows = list(
        _base(queryset)
        .filter(psc__isnull=False)
        .annotate(prefix=Substr("psc_id", 1, 2))
        .values("prefix")
        .annotate(count=Count("id"))
        .order_by("-count", "prefix")[:TOP_LIMIT]
    )
    wanted = [row["prefix"] for row in rows] + [row["prefix"] for row in more_prefixes]
    names = dict(PscCode.objects.filter(code__in=wanted).values_list("code", "name"))
    for row in more_prefixes:
        row["name"] = names.get(row["prefix"], "")
    return [
        {"prefix": row["prefix"], "name": names.get(row["prefix"], ""), "count": row["count"]}
        for row in rows
    ]


def _review_time(queryset) -> dict:
    days = EpochDays(F("determined_at") - F("submitted_at"))
    determined = Q(determined_at__isnull=False, submitted_at__isnull=False)
    bucket_counts = {}
    for index, (_label, low, high) in enumerate(REVIEW_TIME_BUCKETS):
        # Whole days: a review of 1.9 days falls in the 0–1 bucket.
        condition = Q(review_days__gte=low)
        if high is not None:
            condition &= Q(review_days__lt=high + 1)
        bucket_counts[f"bucket_{index}"] = Count("id", filter=condition)
    figures = (
        _base(queryset)
        .filter(determined)
        .annotate(review_days=days)
        .aggregate(
            count=Count("id"),
            median=PercentileCont("review_days", 0.5),
            p90=PercentileCont("review_days", 0.9),
            max=Max("review_days"),
            **bucket_counts,
        )
    )

    def rounded(value):
        return None if value is None else round(value, 1)

    return {
        "count": figures["count"],
        "median_days": rounded(figures["median"]),
        "p90_days": rounded(figures["p90"]),
        "max_days": rounded(figures["max"]),
        "buckets": [
            {"label": label, "min_days": low, "max_days": high, "count": figures[f"bucket_{index}"]}
            for index, (label, low, high) in enumerate(REVIEW_TIME_BUCKETS)
        ],
    }


def waiver_stats(queryset, key: str | None = None) -> dict:
    """Aggregates of a waiver queryset for charts and the API (see module doc);
    cached under the data version (waivers.caching), keyed by the rows
    (`key`: stats_key(queryset), when the caller has it already).

    Exact when the queries finish within COUNT_BUDGET_MS; otherwise (many
    waivers) computed over a random sample of the table and scaled up:
    ``estimated`` is then True and ``sample_percent`` the sample's share of
    the table, counts keep two significant figures, the median and 90th
    percentile are the sample's, and ``max_days`` is None (a sample's longest
    review says nothing of the longest). See waivers.counting."""
    return caching.cached(key or stats_key(queryset), lambda: _exact_or_sampled(queryset))


def _exact_or_sampled(queryset) -> dict:
    return counting.exact_or_estimated(
        queryset, partial(_waiver_stats, queryset), partial(_sampled_stats, queryset)
    )


def _sampled_stats(queryset, sample: counting.Sample) -> dict:
    try:
        with counting.over_sample(queryset.db, sample):
            figures = _waiver_stats(queryset)
    except counting.CannotSample:
        return _waiver_stats(queryset)
    return _scaled(figures, sample)


def _scaled(figures: dict, sample: counting.Sample) -> dict:
    """Figures computed over `sample`, as estimates for the whole table."""
    estimate = sample.estimate

    def counts(rows: list[dict]) -> list[dict]:
        return [{**row, "count": estimate(row["count"])} for row in rows]

    review = figures["review_time"]
    responses = figures["supplier_responses"]
    return {
        **figures,
        "total": estimate(figures["total"]),
        "per_month": [
            {
                **month,
                "total": estimate(month["total"]),
                "by_type": {value: estimate(n) for value, n in month["by_type"].items()},
            }
            for month in figures["per_month"]
        ],
        "determinations": counts(figures["determinations"]),
        "decisions": counts(figures["decisions"]),
        "top_agencies": counts(figures["top_agencies"]),
        "top_psc_categories": counts(figures["top_psc_categories"]),
        "review_time": {
            **review,
            "count": estimate(review["count"]),
            "max_days": None,
            "buckets": counts(review["buckets"]),
        },
        "supplier_responses": {
            **responses,
            "total": estimate(responses["total"]),
            "waivers": estimate(responses["waivers"]),
            "granted_despite_response": estimate(responses["granted_despite_response"]),
            "by_agency": counts(responses["by_agency"]),
            "by_psc_category": counts(responses["by_psc_category"]),
        },
        "estimated": True,
        "sample_percent": round(sample.percent, 2),
    }


def stats_key(queryset) -> str:
    """The cache key of waiver_stats(queryset): the data version and the rows
    (the /stats/ page also keys its rendered charts on it)."""
    return caching.queryset_key("stats", queryset, str(timezone.get_current_timezone()))


def _waiver_stats(queryset) -> dict:
    total, determinations, decisions, responses = outcomes(queryset)
    responses["by_agency"], responses["by_psc_category"] = _responses_by(queryset)
    return {
        "total": total,
        "types": [{"value": value, "label": label} for value, label in Waiver.Type.choices],
        "per_month": _per_month(queryset),
        "determinations": determinations,
        "decisions": decisions,
        "top_agencies": _top_agencies(queryset),
        "top_psc_categories": _top_psc_categories(queryset, responses["by_psc_category"]),
        "review_time": _review_time(queryset),
        "supplier_responses": responses,
        "estimated": False,
        "sample_percent": None,
    }
