"""/stats/: charts of the (filtered) public record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from waivers import charts
from waivers.browsing import DISPLAY_PARAMS, filter_controls, without_empty_parameters
from waivers.filters import WaiverFilterSet
from waivers.models import Waiver
from waivers.selectors.stats import stats_key, waiver_stats
from waivers.templatetags.waiver_tags import sentence_case

# Parameters of the search that do not change the figures.
IGNORED_PARAMS = ("sort", *DISPLAY_PARAMS)


def stats(request: HttpRequest) -> HttpResponse:
    if (canonical := without_empty_parameters(request)) is not None:
        return canonical
    filterset = WaiverFilterSet(request.GET, queryset=Waiver.objects.public())
    # Invalid parameters are reported by the form and left out; the rest apply.
    filterset.is_valid()
    filter_count = len({name for name in request.GET if name not in IGNORED_PARAMS})
    key = stats_key(filterset.unordered_qs)
    data = waiver_stats(filterset.unordered_qs, key)
    return render(
        request,
        "waivers/stats.html",
        {
            "filterset": filterset,
            "form": filterset.form,
            "stats": data,
            # The rendered charts and tables are cached under the figures' own key;
            # their geometry is only computed when that fragment is rendered.
            "charts_key": key,
            "charts": SimpleLazyObject(lambda: build_charts(data)),
            "periods": SimpleLazyObject(lambda: periods(data["per_month"])),
            # The search page's filter controls, with their counts.
            "controls": filter_controls(request, filterset),
            "is_filtered": bool(filter_count),
            "filter_count": filter_count,
        },
    )


# Beyond this many months the chart and its table count by year instead: a
# column per month over many years (mostly empty) says nothing at a glance.
MAX_MONTHS_SHOWN = 36


def periods(per_month: list[dict]) -> dict:
    """The per-month figures (already trimmed to the first and last month
    with a waiver), or their sums per year when they span too many months."""
    if len(per_month) <= MAX_MONTHS_SHOWN:
        return {"unit": "month", "rows": per_month}
    years: dict[str, dict] = {}
    for month in per_month:
        year = month["month"][:4]
        row = years.setdefault(
            year, {"label": year, "total": 0, "by_type": dict.fromkeys(month["by_type"], 0)}
        )
        row["total"] += month["total"]
        for value, count in month["by_type"].items():
            row["by_type"][value] += count
    return {"unit": "year", "rows": list(years.values())}


def build_charts(data: dict) -> dict:
    """Geometry for each chart from the plain figures of waiver_stats()."""
    return {
        "per_month": charts.stacked_columns(
            [
                {"label": row["label"], "values": row["by_type"]}
                for row in periods(data["per_month"])["rows"]
            ],
            data["types"],
        ),
        "determinations": charts.horizontal_bars(data["determinations"]),
        "decisions": charts.horizontal_bars(data["decisions"]),
        "top_agencies": charts.horizontal_bars(
            [{"label": a["name"], "count": a["count"]} for a in data["top_agencies"]]
        ),
        "top_psc_categories": charts.horizontal_bars(
            [
                {"label": f"{c['prefix']} {sentence_case(c['name'])}".strip(), "count": c["count"]}
                for c in data["top_psc_categories"]
            ]
        ),
        "review_time": charts.stacked_columns(
            [
                {"label": _days_label(b), "values": {"count": b["count"]}}
                for b in data["review_time"]["buckets"]
            ],
            [{"value": "count", "label": "waivers"}],
        ),
    }


def _days_label(bucket: dict) -> str:
    """Short axis label for a review-time bucket: 0–1, 22+."""
    if bucket["max_days"] is None:
        return f"{bucket['min_days']}+ days"
    return f"{bucket['min_days']}–{bucket['max_days']}"
