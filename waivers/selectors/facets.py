"""Facet counts for a waiver search: how many results each filter option
would give.

Standard faceted-search behaviour: the counts of one facet are taken over
the result filtered by every OTHER active filter, so ticking a second type
shows how many more results it would add, while the other facets narrow.
Each facet costs one query (one GROUP BY or one conditional aggregate),
whatever the number of results or options.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import pycountry
from django.db import connection
from django.db.models import Count, Q

from waivers import caching
from waivers.filters import DECISION_CHOICES, PUBLIC_STATUSES, WaiverFilterSet
from waivers.models import Waiver

# Longest list shown for the open-ended NAICS and PSC facets.
TOP_CODES = 10


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool = False
    children: list["FacetOption"] = field(default_factory=list)


@dataclass
class Facet:
    param: str
    legend: str
    options: list[FacetOption]
    # How the page offers it: "checkbox" (repeatable), "radio" (one value) or
    # "code" (a prefix box with the most frequent codes as links).
    widget: str = "checkbox"

    @property
    def any_selected(self) -> bool:
        return any(option.selected for option in self.options)


def filtered_except(filterset: WaiverFilterSet, param: str):
    """The filterset's base queryset with every valid filter applied but `param`.

    Call after the filterset was validated. Ordering is dropped: counts only.
    """
    queryset = filterset.queryset.all()
    for name, value in filterset.form.cleaned_data.items():
        if name not in (param, "sort"):
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset.order_by()


def _group_counts(queryset, column: str) -> dict[str, int]:
    rows = queryset.values(column).annotate(n=Count("id")).values_list(column, "n")
    return {value: n for value, n in rows}


def _selected(filterset: WaiverFilterSet, param: str) -> set[str]:
    value = filterset.form.cleaned_data.get(param)
    if value in (None, "", False):
        return set()
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return {str(value)}  # one value: a choice, a code prefix, a date, True
    return {getattr(item, "code", item) for item in value}  # agencies are chosen by code


def _choice_facet(filterset, param, legend, column, choices, *, widget="checkbox") -> Facet:
    counts = _group_counts(filtered_except(filterset, param), column)
    selected = _selected(filterset, param)
    options = [
        FacetOption(value, str(label), counts.get(value, 0), value in selected)
        for value, label in choices
    ]
    return Facet(param, legend, options, widget)


def _decision_facet(filterset) -> Facet:
    queryset = filtered_except(filterset, "decision")
    pending = Q(final_decision="") & ~Q(status=Waiver.Status.WITHDRAWN)
    counts = queryset.aggregate(
        granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.GRANTED)),
        not_granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.NOT_GRANTED)),
        pending=Count("id", filter=pending),
    )
    selected = _selected(filterset, "decision")
    options = [
        FacetOption(value, str(label), counts[value], value in selected)
        for value, label in DECISION_CHOICES
    ]
    return Facet("decision", "Final decision", options)


def _open_facet(filterset) -> Facet:
    count = filtered_except(filterset, "open").open_for_review().count()
    selected = bool(filterset.form.cleaned_data.get("open"))
    option = FacetOption("true", "Open for review now", count, selected)
    return Facet("open", "Review", [option])


def _agency_facet(filterset) -> Facet:
    """Departments with their sub-tiers, counted by contracting agency."""
    rows = (
        filtered_except(filterset, "agency")
        .values(
            "contracting_agency__code", "contracting_agency__name",
            "contracting_agency__parent__code", "contracting_agency__parent__name",
        )
        .annotate(n=Count("id"))
    )
    selected = _selected(filterset, "agency")
    departments: dict[str, FacetOption] = {}
    children: dict[str, list[FacetOption]] = defaultdict(list)
    for row in rows:
        code, name = row["contracting_agency__code"], row["contracting_agency__name"]
        parent_code = row["contracting_agency__parent__code"]
        if parent_code is None:  # a waiver recorded against a department itself
            option = departments.setdefault(code, FacetOption(code, name, 0, code in selected))
            option.count += row["n"]
            continue
        department = departments.setdefault(
            parent_code,
            FacetOption(parent_code, row["contracting_agency__parent__name"], 0,
                        parent_code in selected),
        )
        department.count += row["n"]
        children[parent_code].append(FacetOption(code, name, row["n"], code in selected))
    for code, options in children.items():
        departments[code].children = sorted(options, key=lambda option: option.label.lower())
    # A ticked agency without results stays listed (with 0) so it can be unticked.
    listed = set(departments) | {c.value for options in children.values() for c in options}
    for agency in filterset.form.cleaned_data.get("agency") or []:
        if agency.code not in listed:
            departments[agency.code] = FacetOption(agency.code, agency.name, 0, True)
    options = sorted(departments.values(), key=lambda option: option.label.lower())
    return Facet("agency", "Agency", options)


def _country_facet(filterset) -> Facet:
    """Countries of origin: one waiver may name several, so count per code."""
    sql, params = filtered_except(filterset, "country").values("countries").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, count(*) FROM (" + sql + ") AS result"  # noqa: S608 - compiled ORM SQL
            " CROSS JOIN LATERAL unnest(result.countries) AS code GROUP BY code",
            params,
        )
        counts = dict(cursor.fetchall())
    selected = _selected(filterset, "country")
    codes = set(counts) | selected
    options = [
        FacetOption(code, _country_name(code), counts.get(code, 0), code in selected)
        for code in codes
    ]
    options.sort(key=lambda option: option.label)
    return Facet("country", "Country of origin", options)


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def _code_facet(filterset, param, legend, title_columns) -> Facet:
    """The most frequent NAICS or PSC codes in the result (the filter is a prefix box)."""
    column = f"{param}_id"
    rows = (
        filtered_except(filterset, param)
        .filter(**{f"{column}__isnull": False})
        .values(column, *title_columns)
        .annotate(n=Count("id"))
        .order_by("-n", column)[:TOP_CODES]
    )
    options = [
        FacetOption(
            row[column],
            _readable(next((row[c] for c in title_columns if row[c]), "")),
            row["n"],
        )
        for row in rows
    ]
    return Facet(param, legend, options, widget="code")


def _readable(name: str) -> str:
    """Reference lists shout (ANALYTICAL INSTRUMENTS); titles read better."""
    return name.title() if name.isupper() else name


def facet_counts(filterset: WaiverFilterSet) -> dict[str, Facet]:
    """Every facet of the search page, keyed by its parameter name; cached
    under the data version (waivers.caching), keyed by the filtered rows and
    the selected values."""
    filterset.is_valid()
    return caching.cached(facets_key(filterset), lambda: _facet_counts(filterset))


def facets_key(filterset: WaiverFilterSet) -> str:
    """The cache key of a search's facets: the data version, the filtered rows
    and the selected values. Call after the filterset was validated."""
    selected = sorted(
        (name, repr(sorted(_selected(filterset, name))))
        for name in filterset.form.cleaned_data if name != "sort"
    )
    return caching.queryset_key("facets", filterset.qs, repr(selected))


def _facet_counts(filterset: WaiverFilterSet) -> dict[str, Facet]:
    facets = [
        _choice_facet(filterset, "type", "Waiver type", "waiver_type", Waiver.Type.choices),
        _choice_facet(filterset, "status", "Status", "status", PUBLIC_STATUSES),
        _open_facet(filterset),
        _choice_facet(filterset, "determination", "OMB determination", "determination",
                      Waiver.Determination.choices),
        _decision_facet(filterset),
        _agency_facet(filterset),
        _code_facet(filterset, "psc", "PSC", ("psc__full_name", "psc__name")),
        _code_facet(filterset, "naics", "NAICS", ("naics__title",)),
        _country_facet(filterset),
        _choice_facet(filterset, "stage", "Procurement stage", "procurement_stage",
                      Waiver.ProcurementStage.choices, widget="radio"),
        _choice_facet(filterset, "coverage", "Coverage", "coverage", Waiver.Coverage.choices,
                      widget="radio"),
    ]
    return {facet.param: facet for facet in facets}
