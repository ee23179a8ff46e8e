"""/categories/ (where waivers cluster, by PSC and NAICS) and a page per
category at any level, with a CSV of its figures."""

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from waivers import categories as cat
from waivers import charts
from waivers.models import Waiver
from waivers.selectors import categories as selectors
from waivers.templatetags.waiver_tags import sentence_case


def category_index(request: HttpRequest) -> HttpResponse:
    form = cat.RankingForm(request.GET or None)
    form.is_valid()  # invalid choices are reported and the defaults used
    choice = form.choice()
    return render(
        request,
        "waivers/categories.html",
        {
            "form": form,
            "choice": choice,
            # The rendered ranking is cached under the data version (a level
            # holds up to a thousand rows); it is only read when rendered.
            "ranking_key": selectors.ranking_key(choice),
            "ranking": SimpleLazyObject(lambda: _ranking(choice)),
            "schemes": [
                {"value": value, "label": label, "current": value == choice["scheme"]}
                for value, label in form.fields["scheme"].choices
            ],
            "levels": cat.LEVELS[choice["scheme"]].items(),
            "type_label": dict(Waiver.Type.choices).get(choice["type"], ""),
        },
    )


def _ranking(choice: dict) -> dict:
    ranking = selectors.ranking(
        choice["scheme"],
        level=choice["level"],
        period=choice["period"],
        waiver_type=choice["type"],
    )
    search_params = {**choice["period"].filter_params()}
    if choice["type"]:
        search_params["type"] = choice["type"]
    for row in ranking["rows"]:
        row["url"] = category_url(choice["scheme"], row["code"])
        row["search_url"] = search_url({choice["scheme"]: row["code"], **search_params})
    return ranking


def category_url(scheme: str, code: str) -> str:
    return reverse("waivers:category", kwargs={"scheme": scheme, "code": code})


def search_url(params: dict) -> str:
    return f"{reverse('waivers:list')}?{urlencode(params)}"


def _category(scheme: str, code: str) -> tuple[str, str, dict]:
    """(code, title, figures) of a category, or 404: the code must have the
    shape of a level and either a title or public waivers."""
    code = code.upper()
    if not cat.CODE_SHAPE[scheme].match(code):
        raise Http404("No such category.")
    title = cat.title(scheme, code)
    figures = selectors.category_figures(scheme, code)
    if not title and not figures["total"]:
        raise Http404("No such category.")
    return code, title, figures


def category_detail(request: HttpRequest, scheme: str, code: str) -> HttpResponse:
    code, title, figures = _category(scheme, code)
    level = len(code)
    parent = None
    if level > 2:
        up = max(n for n in cat.LEVELS[scheme] if n < level)
        parent = {"code": code[:up], "title": cat.title(scheme, code[:up])}
        parent["url"] = category_url(scheme, parent["code"])
    for row in figures["children"]:
        row["url"] = category_url(scheme, row["code"])
    return render(
        request,
        "waivers/category_detail.html",
        {
            "scheme": scheme,
            "scheme_label": cat.SCHEMES[scheme],
            "code": code,
            "title": title,
            "level_name": cat.LEVELS[scheme][level],
            "child_level_name": cat.LEVELS[scheme].get(cat.child_level(scheme, level) or 0, ""),
            "parent": parent,
            "figures": figures,
            "types": used_types(figures),
            "charts": build_charts(figures),
            "search_query": urlencode({scheme: code}),
            "search_url": search_url({scheme: code}),
            "open_url": search_url({scheme: code, "open": "true"}),
            "ending_url": search_url({scheme: code, "ending_within": "90"}),
            "responses_url": search_url({scheme: code, "has_responses": "true"}),
        },
    )


def used_types(figures: dict) -> list[dict]:
    """The waiver types the category has (chart series and table columns)."""
    used = {t for q in figures["per_quarter"] for t, n in q["by_type"].items() if n}
    return [{"value": v, "label": label} for v, label in Waiver.Type.choices if v in used]


def build_charts(figures: dict) -> dict:
    return {
        "per_quarter": charts.stacked_columns(
            [{"label": q["label"], "values": q["by_type"]} for q in figures["per_quarter"]],
            used_types(figures),
        ),
        "determinations": charts.horizontal_bars(
            [row for row in figures["determinations"] if row["count"]]
        ),
        "agencies": charts.horizontal_bars(
            [{"label": a["name"], "count": a["count"]} for a in figures["agencies"][:10]]
        ),
    }


def category_csv(request: HttpRequest, scheme: str, code: str) -> HttpResponse:
    """The page's figures as one long table: figure, what it counts, label, value."""
    code, title, figures = _category(scheme, code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scheme}-{code}-figures.csv"'
    writer = csv.writer(response)
    writer.writerow(["figure", "counts", "label", "value"])
    if figures["as_of"]:
        writer.writerow(
            [
                "computed_at",
                "when these figures were computed (before the latest change or today)",
                "",
                figures["as_of"].isoformat(),
            ]
        )
    span = f"waivers submitted {figures['first'] or ''} to {figures['last'] or ''}"
    what = f"public waivers in {cat.SCHEMES[scheme]} {code} {sentence_case(title)}".strip()
    writer.writerow(["total", f"{what}, {span}", "all", figures["total"]])
    for q in figures["per_quarter"]:
        writer.writerow(
            ["per_quarter", f"{what} by quarter of submission", q["quarter"], q["total"]]
        )
    for row in figures["determinations"]:
        writer.writerow(
            ["determination", f"{what} by MIAO review outcome", row["label"], row["count"]]
        )
    for row in figures["agencies"]:
        label = f"{row['name']} ({row['code']})"
        writer.writerow(["agency", f"{what} by contracting agency", label, row["count"]])
    for row in figures["countries"]:
        writer.writerow(
            ["country", f"{what} naming this country of origin", row["label"], row["count"]]
        )
    recurring = f"{what}: the same code waived again by the same agency"
    if figures["recurring_count"] > len(figures["recurring"]):
        recurring += (
            f" (the {len(figures['recurring'])} most repeated of {figures['recurring_count']:,})"
        )
    for row in figures["recurring"]:
        label = f"{row['agency_name']} ({row['agency_code']}) / {row['code']}"
        writer.writerow(
            [
                "recurring",
                recurring,
                label,
                row["count"],
            ]
        )
    writer.writerow(["open", f"{what} open for MIAO review now", "all", figures["open"]["count"]])
    writer.writerow(
        [
            "ending_soon",
            f"{what} ending within 90 days (not withdrawn)",
            "all",
            figures["ending_soon"]["count"],
        ]
    )
    return response
