"""/agencies/ (the scorecard of departments and sub-tier agencies, with a
CSV) and /agencies/<slug>/ (an agency's figures by year, its SAO and its
waivers)."""

import csv

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from agencies.models import Agency
from waivers.browsing import browse, without_empty_parameters
from waivers.selectors import agencies as selectors
from waivers.selectors import scorecard

SHOW_CHOICES = [("departments", "Departments"), ("subtiers", "Sub-tier agencies")]
SORT_CHOICES = [
    (f"{prefix}{key}", label) for key, (label, _) in scorecard.SORTS.items() for prefix in ("", "-")
]


class ScorecardForm(forms.Form):
    show = forms.ChoiceField(choices=SHOW_CHOICES, required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def choice(self) -> tuple[str, str]:
        data = getattr(self, "cleaned_data", {})
        return data.get("show") or "departments", data.get("sort") or "-total"


def _scorecard_choice(request) -> tuple[ScorecardForm, str, str]:
    form = ScorecardForm(request.GET or None)
    form.is_valid()  # a bad choice is reported and the default used
    return form, *form.choice()


def agency_list(request: HttpRequest) -> HttpResponse:
    form, show, sort = _scorecard_choice(request)
    # Set while the figures served are a snapshot from before the last change.
    as_of = scorecard.stale_as_of()
    columns = [
        {
            "key": key,
            "label": label,
            # Names sort A-Z first; figures largest first.
            "next": f"-{key}" if sort != f"-{key}" and key != "name" else key,
            "sorted": "descending" if sort == f"-{key}" else "ascending" if sort == key else "",
        }
        for key, (label, _) in scorecard.SORTS.items()
    ]
    for column in columns:
        if column["key"] == "name" and sort == "name":
            column["next"] = "-name"
    return render(
        request,
        "agencies/agency_list.html",
        {
            "form": form,
            "show": show,
            "sort": sort,
            "sort_label": scorecard.SORTS[sort.removeprefix("-")][0].lower()
            + (", largest first" if sort.startswith("-") else ", smallest first"),
            "shows": SHOW_CHOICES,
            "columns": {c["key"]: c for c in columns},
            # The rendered table is cached under the figures' own key (a long
            # table of agencies); its rows are only read when it is rendered.
            "table_key": scorecard.scorecard_key(show, sort, str(as_of)),
            "as_of": as_of,
            "table": SimpleLazyObject(lambda: _table(show, sort)),
        },
    )


def _table(show: str, sort: str) -> dict:
    data = scorecard.scorecard()
    departments = selectors.departments_with_counts()
    return {
        "years": data["years"],
        "rows": scorecard.sorted_rows(data[show], sort),
        "departments": departments,
        "subtiers_of": {row.agency.code: row.subtiers for row in departments},
        "without_waivers": [row for row in departments if not row.count],
    }


CSV_FIELDS = (
    ("code", "code"),
    ("name", "name"),
    ("kind", "kind"),
    ("department", "department"),
    ("total", "waivers"),
    ("determined", "with_determination"),
    ("consistent", "consistent_percent"),
    ("conditional", "conditionally_consistent_percent"),
    ("inconsistent", "inconsistent_percent"),
    ("timed", "with_review_time"),
    ("median_days", "median_review_days"),
    ("p90_days", "p90_review_days"),
    ("within_15", "within_15_business_days_percent"),
    ("decided", "decided_percent"),
    ("withdrawn", "withdrawn_percent"),
)


def agency_scorecard_csv(request: HttpRequest) -> HttpResponse:
    """The scorecard table as CSV (same `show` and `sort` as the page)."""
    _form, show, sort = _scorecard_choice(request)
    data = scorecard.scorecard()
    rows = scorecard.sorted_rows(data[show], sort)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agency-scorecard-{show}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [name for _, name in CSV_FIELDS]
        + [f"waivers_{year}" for year in data["years"]]
        + ["top_psc_groups"]
    )
    for row in rows:
        writer.writerow(
            ["" if row[key] is None else row[key] for key, _ in CSV_FIELDS]
            + [year["count"] for year in row["per_year"]]
            + ["; ".join(f"{c['code']} ({c['count']})" for c in row["top_categories"])]
        )
    return response


def agency_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if (canonical := without_empty_parameters(request)) is not None:
        return canonical
    agency = get_object_or_404(Agency.objects.select_related("parent"), slug=slug)
    is_department = agency.kind == Agency.Kind.DEPARTMENT
    waivers = selectors.agency_waivers(agency)
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "is_department": is_department,
            "summary": selectors.agency_summary(waivers),
            "trend": scorecard.agency_trend(agency),
            "subtiers": selectors.subtiers_with_counts(waivers) if is_department else [],
            "result": browse(request, waivers, scope={"agency": agency.code}),
        },
    )
