"""Facet counts for a waiver search: how many results each filter option
would give.

Standard faceted-search behaviour: the counts of one facet are taken over
the result filtered by every OTHER active filter, so ticking a second type
shows how many more results it would add, while the other facets narrow.
The facets whose own filter is not in use all count the same rows (the whole
result), so they are counted together in one scan with GROUPING SETS, the
countries (several per waiver) too unless a country is ticked; a facet whose
filter is in use counts in a query of its own. The number of queries does
not depend on the number of results or options.

Each of those queries is exact when it finishes within COUNT_BUDGET_MS;
otherwise (a broad search over a large record) it is cancelled and its
facets are counted over a random sample of the table instead, scaled up,
rounded and shown as "about" (waivers.counting, decision 0025).
"""

from dataclasses import dataclass, field, replace

import pycountry
from django.db import connections
from django.db.models import BooleanField, Case, CharField, F, Value, When

from agencies.models import Agency, AgencyCount
from waivers import caching, counting
from waivers.filters import DECISION_CHOICES, PUBLIC_STATUSES, WaiverFilterSet
from waivers.models import NaicsCode, PscCode, Waiver

# Longest list shown for the open-ended NAICS and PSC facets.
TOP_CODES = 10
# Agencies and countries can run to well over a thousand options (about
# 700 KB of HTML at a million waivers): the page lists the most frequent
# ones and links to the whole list (?more=agency), so it stays small on a phone.
SHORT_LIST = 12
SHORT_CHILDREN = 5
LONG_FACETS = ("agency", "country")


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
    # Options (departments and sub-tiers alike) left out of a shortened list.
    hidden: int = 0
    # The whole list was asked for (?more=<param>) and is longer than the short one.
    expanded: bool = False
    # The counts are estimates from a sample of the table (shown as "about").
    estimated: bool = False

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


# What each facet counts, as an expression over a waiver row. Country is not
# here: a waiver may name several countries (counted with unnest, below).
_COUNTED = {
    "type": F("waiver_type"),
    "status": F("status"),
    "open": Case(
        When(Waiver.AWAITING_REVIEW, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    ),
    "determination": F("determination"),
    "decision": Case(
        When(final_decision=Waiver.FinalDecision.GRANTED, then=Value("granted")),
        When(final_decision=Waiver.FinalDecision.NOT_GRANTED, then=Value("not_granted")),
        When(Waiver.PENDING_DECISION, then=Value("pending")),
        default=None,
        output_field=CharField(),
    ),
    "agency": F("contracting_agency_id"),
    "psc": F("psc_id"),
    "naics": F("naics_id"),
    "stage": F("procurement_stage"),
    "coverage": F("coverage"),
}


def _grouped_counts(
    queryset, params: list[str], sample=None, *, countries=False, presampled=False
) -> dict[str, dict]:
    """{param: {value: count}} for several facets over the same rows, in one
    query: one scan of the rows (or of `sample`, a counting.Sample), one
    GROUPING SET per facet; with `countries`, the countries of origin of the
    same rows too (under "country"), from the same scan. (A broad keyword
    search's sample took 30 ms a scan, most of it matching the search
    vectors: the facets and countries each read it once before.)
    `presampled`: the rows are already `sample`'s (read by id), so they are
    only scaled."""
    aliases = [f"facet_{param}" for param in params]
    rows = (
        queryset.order_by()
        .annotate(**{alias: _COUNTED[param] for alias, param in zip(aliases, params, strict=True)})
        .values(*aliases, *(["countries"] if countries else []))
    )
    sql, sql_params = rows.query.sql_with_params()
    if not presampled:
        sql, sample = counting.sampled(sql, sample)
    columns = ", ".join(f'"{alias}"' for alias in aliases)
    sets = ", ".join(f'("{alias}")' for alias in aliases)
    # Rows of the country branch have no GROUPING() (NULL) and the code last.
    # (Fixed aliases only: the values are the ORM's parameters.)
    statement = (
        f"SELECT GROUPING({columns}), {columns}, NULL, count(*) FROM result"  # noqa: S608
        f" GROUP BY GROUPING SETS ({sets})"
    )
    if countries:
        nulls = ", ".join("NULL" for _ in aliases)
        statement += (
            f" UNION ALL SELECT NULL, {nulls}, code, count(*) FROM result"  # noqa: S608
            " CROSS JOIN LATERAL unnest(result.countries) AS code GROUP BY code"
        )
    # The database this request reads from (a replica, see miao_site.replicas).
    with connections[rows.db].cursor() as cursor:
        cursor.execute(
            f"WITH result AS MATERIALIZED ({sql}) {statement}",  # noqa: S608 - compiled ORM SQL and fixed aliases
            sql_params,
        )
        fetched = cursor.fetchall()
    counts: dict[str, dict] = {param: {} for param in params}
    if countries:
        counts["country"] = {}
    last = len(params) - 1
    for grouping, *values, code, count in fetched:
        count = sample.estimate(count) if sample else count
        if grouping is None:
            counts["country"][code] = count
            continue
        # GROUPING() sets the bit of every column that is not grouped in the
        # row's set (the first column is the highest bit); one bit is clear.
        index = next(i for i in range(len(params)) if not grouping & (1 << (last - i)))
        counts[params[index]][values[index]] = count
    return counts


def _selected(filterset: WaiverFilterSet, param: str) -> set[str]:
    value = filterset.form.cleaned_data.get(param)
    if value in (None, "", False):
        return set()
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return {str(value)}  # one value: a choice, a code prefix, a date, True
    return {getattr(item, "code", item) for item in value}  # agencies are chosen by code


def _choice_facet(filterset, counts, param, legend, choices, *, widget="checkbox") -> Facet:
    selected = _selected(filterset, param)
    options = [
        FacetOption(value, str(label), counts.get(value, 0), value in selected)
        for value, label in choices
    ]
    return Facet(param, legend, options, widget)


def _open_facet(filterset, counts) -> Facet:
    selected = bool(filterset.form.cleaned_data.get("open"))
    option = FacetOption("true", "Open for review now", counts.get(True, 0), selected)
    return Facet("open", "Review", [option])


def _agency_facet(filterset, counts) -> Facet:
    """Departments with their sub-tiers, counted by contracting agency."""
    selected = _selected(filterset, "agency")

    def option(row: AgencyCount) -> FacetOption:
        code = row.agency.code
        return FacetOption(code, row.agency.name, row.count, code in selected)

    options = []
    for department in Agency.objects.counted(counts, names_only=True):
        parent = option(department)
        parent.children = [option(subtier) for subtier in department.subtiers]
        options.append(parent)
    # A ticked agency without results stays listed (with 0) so it can be unticked.
    listed = {o.value for o in options} | {c.value for o in options for c in o.children}
    for agency in filterset.form.cleaned_data.get("agency") or []:
        if agency.code not in listed:
            options.append(FacetOption(agency.code, agency.name, 0, True))
    options.sort(key=lambda option: option.label.lower())
    return Facet("agency", "Agency", options)


def _country_counts(queryset, sample=None) -> dict[str, int]:
    """Countries of origin: one waiver may name several, so count per code."""
    rows = queryset.values("countries")
    sql, params = rows.query.sql_with_params()
    sql, sample = counting.sampled(sql, sample)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(
            "SELECT code, count(*) FROM (" + sql + ") AS result"  # noqa: S608 - compiled ORM SQL
            " CROSS JOIN LATERAL unnest(result.countries) AS code GROUP BY code",
            params,
        )
        fetched = cursor.fetchall()
    return {code: sample.estimate(count) if sample else count for code, count in fetched}


def _country_facet(filterset, counts) -> Facet:
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


def _code_facet(counts, param, legend, titles) -> Facet:
    """The most frequent NAICS or PSC codes in the result (the filter is a prefix box)."""
    top = sorted(
        ((code, n) for code, n in counts.items() if code is not None),
        key=lambda item: (-item[1], item[0]),
    )[:TOP_CODES]
    names = titles([code for code, _ in top])
    options = [FacetOption(code, _readable(names.get(code, "")), n) for code, n in top]
    return Facet(param, legend, options, widget="code")


def _psc_titles(codes: list[str]) -> dict[str, str]:
    return {
        code: full_name or name
        for code, full_name, name in PscCode.objects.filter(code__in=codes).values_list(
            "code", "full_name", "name"
        )
    }


def _naics_titles(codes: list[str]) -> dict[str, str]:
    return dict(NaicsCode.objects.filter(code__in=codes).values_list("code", "title"))


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
        for name in filterset.form.cleaned_data
        if name != "sort"
    )
    return caching.queryset_key("facets", filterset.qs, repr(selected))


def _counts(filterset: WaiverFilterSet, sample=None) -> dict[str, dict]:
    """The counts of every facet, over the rows or over `sample` (a
    counting.Sample): the facets whose filter is not in use all count the
    whole result, together in one query (countries too when none is ticked);
    each facet whose filter is in use counts the result without it, in a
    query of its own."""
    in_use = [param for param in _COUNTED if _selected(filterset, param)]
    others = [param for param in _COUNTED if param not in in_use]
    # Countries count the result without their own filter: the whole result
    # (with the other facets) unless a country is ticked.
    countries_apart = bool(_selected(filterset, "country")) or not others
    counts = {}
    if others:
        rows, presampled = _result_rows(filterset, sample)
        counts = _grouped_counts(
            rows, others, sample, countries=not countries_apart, presampled=presampled
        )
    for param in in_use:
        counts.update(_grouped_counts(filtered_except(filterset, param), [param], sample))
    if countries_apart:
        counts["country"] = _country_counts(filtered_except(filterset, "country"), sample)
    return counts


def _result_rows(filterset: WaiverFilterSet, sample) -> tuple:
    """(rows, presampled) for _grouped_counts: the result, or over a sample
    the result's rows in it, read by their ids when counting kept them
    (counting.sampled_rows: the result's count read them already)."""
    rows = filterset.unordered_qs
    found = counting.sampled_rows(rows, sample) if sample else None
    if found is None or not found.ids:  # none kept, or none there (no IN () in SQL)
        return rows, False
    return Waiver.objects.using(rows.db).filter(pk__in=found.ids), True


def _exact_or_sampled_counts(filterset: WaiverFilterSet) -> tuple[dict[str, dict], bool]:
    """(counts, estimated): exact, or all over a sample of the table
    (counting.exact_or_estimated)."""
    return counting.exact_or_estimated(
        filterset.unordered_qs,
        lambda: (_counts(filterset), False),
        lambda sample: (_counts(filterset, sample), True),
        # A facet in use counts the result without its own filter: with one
        # agency ticked, the agency facet counts every agency's waivers.
        wider=[
            filtered_except(filterset, param)
            for param in (*_COUNTED, "country")
            if _selected(filterset, param)
        ],
    )


def _facet_counts(filterset: WaiverFilterSet) -> dict[str, Facet]:
    counts, estimated = _exact_or_sampled_counts(filterset)
    facets = [
        _choice_facet(filterset, counts["type"], "type", "Waiver type", Waiver.Type.choices),
        _choice_facet(filterset, counts["status"], "status", "Status", PUBLIC_STATUSES),
        _open_facet(filterset, counts["open"]),
        _choice_facet(
            filterset,
            counts["determination"],
            "determination",
            "OMB determination",
            Waiver.Determination.choices,
        ),
        _choice_facet(
            filterset, counts["decision"], "decision", "Final decision", DECISION_CHOICES
        ),
        _agency_facet(filterset, counts["agency"]),
        _code_facet(counts["psc"], "psc", "PSC", _psc_titles),
        _code_facet(counts["naics"], "naics", "NAICS", _naics_titles),
        _country_facet(filterset, counts["country"]),
        _choice_facet(
            filterset,
            counts["stage"],
            "stage",
            "Procurement stage",
            Waiver.ProcurementStage.choices,
            widget="radio",
        ),
        _choice_facet(
            filterset,
            counts["coverage"],
            "coverage",
            "Coverage",
            Waiver.Coverage.choices,
            widget="radio",
        ),
    ]
    return {facet.param: replace(facet, estimated=estimated) for facet in facets}


def _largest(options: list[FacetOption], limit: int) -> list[FacetOption]:
    """The `limit` options with the most results, plus every selected one (or
    with a selected child), in their original order."""
    keep = {id(o) for o in sorted(options, key=lambda o: -o.count)[:limit]}
    keep |= {id(o) for o in options if o.selected or any(c.selected for c in o.children)}
    return [option for option in options if id(option) in keep]


def _size(options: list[FacetOption]) -> int:
    return sum(1 + len(option.children) for option in options)


def shortened(facet: Facet, expand: bool) -> Facet:
    """The facet as a page shows it: long lists cut to their most frequent
    options unless the whole list was asked for. The cached facet is not changed."""
    if facet.param not in LONG_FACETS or _size(facet.options) <= SHORT_LIST + SHORT_CHILDREN:
        return facet
    if expand:
        return replace(facet, expanded=True)
    options = [
        replace(option, children=_largest(option.children, SHORT_CHILDREN))
        for option in _largest(facet.options, SHORT_LIST)
    ]
    return replace(facet, options=options, hidden=_size(facet.options) - _size(options))
