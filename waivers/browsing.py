"""The search-and-browse state of a waiver list page, read from the URL.

Shared by /waivers/ and /agencies/<slug>/ (and, for the filter controls, by
/stats/): the shared WaiverFilterSet for the filters, a small form for `page`
and `page_size`, the facet counts, the active-filter chips and the messages
for parameters that could not be used.
Bad input never raises: an unusable parameter is named in `problems` and
left out, and the rest of the search still runs.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.dateformat import format as date_format
from django.utils.functional import SimpleLazyObject

from waivers import counting, search
from waivers.filters import SORTS, WaiverFilterSet, page_rows
from waivers.selectors.facets import Facet, facet_counts, facets_key, shortened

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
# Parameters that only change how the list is shown; exports and feeds ignore
# them. `more` asks for the whole list of a long facet (agency, country).
DISPLAY_PARAMS = ("page", "page_size", "more")
# Filters the filter controls (templates/waivers/_filter_controls.html) show;
# any other filter in the URL is carried along as a hidden field.
CONTROL_PARAMS = (
    *("q", "type", "status", "open", "determination", "decision", "agency"),
    *("psc", "naics", "country", "stage", "coverage", "submitted_after", "submitted_before"),
)


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False, label="Page")
    page_size = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
        label="Results per page",
    )


class UnusableParameters(Exception):
    """A download or feed asked for with parameters that cannot be used: it
    answers 400 naming each of them, rather than something other than what
    was asked for (a page shows the rest of the search instead)."""

    def __init__(self, form: forms.Form):
        super().__init__(form.errors)
        self.form = form

    def response(self) -> HttpResponse:
        lines = [f"{name}: {' '.join(errors)}" for name, errors in self.form.errors.items()]
        return HttpResponse(
            "These search parameters could not be used:\n" + "\n".join(lines) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )


class SearchPaginator(Paginator):
    """Page numbers over a search. The total is a counting.ResultCount (exact,
    or estimated and shown as "about"), and pages stop at
    counting.PAGING_LIMIT rows: past that, the page says how to read the rest."""

    @cached_property
    def result_count(self) -> counting.ResultCount:
        return counting.result_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return min(self.result_count.value, counting.PAGING_LIMIT)

    def page(self, number):
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = page_rows(self.object_list, start, start + self.per_page, self.result_count.value)
        return self._get_page(rows, number, self)

    @property
    def capped(self) -> bool:
        return self.result_count.value > counting.PAGING_LIMIT

    @property
    def last_page_known(self) -> bool:
        """The last page number is the end of the results (not an estimate, not the cap)."""
        return self.result_count.exact and not self.capped


@dataclass
class Problem:
    """A query parameter that could not be used, and why."""

    param: str
    label: str
    value: str
    message: str


@dataclass
class Chip:
    """An active filter, shown as a link that removes it."""

    label: str
    remove_url: str


@dataclass
class BrowseResult:
    filterset: WaiverFilterSet
    page: Page
    page_size: int
    sort: str
    controls: "FilterControls"
    chips: list[Chip]
    problems: list[Problem]
    notices: list[str] = field(default_factory=list)
    # Query string of the usable filters (no paging), for export and feed links.
    filter_query: str = ""
    # Link that drops every unusable parameter.
    without_problems_url: str = ""

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        """(sort key, label) of each order offered: relevance only when there
        are keywords to rank by."""
        has_query = bool(self.filterset.form.cleaned_data.get("q"))
        return [(key, label) for key, label in SORTS.items() if key != "relevance" or has_query]

    @property
    def sort_options(self) -> list[dict]:
        """The sort menu. Relevance is offered only when there are keywords to
        rank by. The default order (relevance with keywords, newest first
        without) is sent as an empty value, which leaves `sort` out of the
        URL: so keywords typed into the form after a search without any are
        ranked by relevance, as anywhere else they are typed."""
        has_query = bool(self.filterset.form.cleaned_data.get("q"))
        default = "relevance" if has_query else "newest"
        chosen = self.filterset.sort_key
        return [
            {"value": "" if key == default else key, "label": label, "selected": key == chosen}
            for key, label in self.sort_choices
        ]

    @property
    def page_sizes(self) -> tuple[int, ...]:
        return PAGE_SIZES

    @property
    def default_page_size(self) -> int:
        return DEFAULT_PAGE_SIZE


def _raw_values(params: QueryDict, name: str) -> str:
    return ", ".join(value for value in params.getlist(name))


def _problems(request: HttpRequest, *forms_: forms.Form) -> list[Problem]:
    problems = []
    for form in forms_:
        for name, errors in form.errors.items():
            raw = _raw_values(request.GET, name)
            if len(raw) > 60:
                raw = raw[:60] + "…"
            label = form.fields[name].label or name
            problems.append(Problem(name, str(label), raw, " ".join(errors)))
    return problems


def _url(path: str, params: QueryDict) -> str:
    encoded = params.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _without(params: QueryDict, name: str, value: str | None = None) -> QueryDict:
    """A copy of the parameters without `name` (or without only one of its values)."""
    remaining = params.copy()
    remaining.pop("page", None)  # a changed search starts again at page 1
    if value is None:
        remaining.pop(name, None)
    else:
        remaining.setlist(name, [v for v in remaining.getlist(name) if v != value])
    return remaining


def without_empty_parameters(request: HttpRequest) -> HttpResponseRedirect | None:
    """A redirect to the same address without its empty parameters, or None
    when it has none. A GET form sends every field, filled in or not
    (q=&naics=&submitted_after=…); the canonical address of a search names
    only what was asked for, so it can be read, shared and cached as one.
    Pages with JavaScript skip the round trip (static/js/search.js leaves
    empty fields out when the form is sent)."""
    if all(value != "" for _, values in request.GET.lists() for value in values):
        return None
    kept = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if filled := [value for value in values if value != ""]:
            kept.setlist(name, filled)
    return HttpResponseRedirect(_url(request.path, kept))


def filter_labels(filterset: WaiverFilterSet) -> list[tuple[str, str | None, str]]:
    """(parameter, raw value or None for the whole parameter, label) of each
    usable active filter, in the FilterSet's order. Used for chips and titles."""
    data = filterset.form.cleaned_data
    fields = filterset.form.fields
    labels = []
    for name, value in data.items():
        if name == "sort" or value in (None, "", []):
            continue
        if value is False and name != "has_responses":  # an unticked box restricts nothing
            continue
        field_label = fields[name].label
        if name == "q":
            labels.append((name, None, f"Keywords: “{value}”"))
        elif name == "agency":
            labels.extend((name, agency.code, f"Agency: {agency.name}") for agency in value)
        elif name in ("naics", "psc"):
            labels.append((name, None, f"{field_label} {value}{'' if len(value) >= 4 else '…'}"))
        elif name == "open":
            labels.append((name, None, "Open for review now"))
        elif name == "has_responses":
            said = "A U.S. manufacturer" if value else "No U.S. manufacturer"
            labels.append((name, None, f"{said} said it can supply this"))
        elif name in ("submitted_after", "submitted_before", "expires_after", "expires_before"):
            labels.append((name, None, f"{field_label} {date_format(value, 'F j, Y')}"))
        elif name == "ending_within":
            labels.append((name, None, f"Ending within {int(value)} days"))
        elif isinstance(value, list):
            choices = dict(fields[name].choices)
            labels.extend((name, v, f"{field_label}: {choices.get(v, v)}") for v in value)
        else:
            choices = dict(fields[name].choices)
            labels.append((name, None, f"{field_label}: {choices.get(value, value)}"))
    return labels


def describe_filters(filterset: WaiverFilterSet) -> str:
    """One line naming the active filters, e.g. for a feed title."""
    return "; ".join(label for _, _, label in filter_labels(filterset))


@dataclass
class FilterControls:
    """What the filter controls need: the facets (counted only when the cached
    fragment is rendered), that fragment's key, and the filters in the URL the
    controls do not show, kept as hidden fields so a new search loses none."""

    facets: dict[str, Facet]
    fragment_key: str
    carried: list[tuple[str, str]]

    @property
    def estimated(self) -> bool:
        """Some facet counts are estimates (see waivers.counting)."""
        return any(facet.estimated for facet in self.facets.values())


def filter_controls(request: HttpRequest, filterset: WaiverFilterSet) -> FilterControls:
    """The filter controls of a validated filterset over the request's query."""
    params = request.GET
    return FilterControls(
        facets=SimpleLazyObject(
            lambda: {
                param: shortened(facet, expand=param in params.getlist("more"))
                for param, facet in facet_counts(filterset).items()
            }
        ),
        fragment_key=facets_key(filterset)
        + "|"
        + repr(sorted((name, params.getlist(name)) for name in params if name != "page")),
        carried=[
            (name, value)
            for name in params
            if name in filterset.filters and name not in (*CONTROL_PARAMS, "sort")
            for value in params.getlist(name)
        ],
    )


def browse(request: HttpRequest, queryset, scope: dict[str, str] | None = None) -> BrowseResult:
    """Run the search described by the request's query string over `queryset`
    (already restricted to public waivers, and to an agency on its page).

    `scope` holds the parameters that express the restriction of `queryset`
    (e.g. {"agency": "013"}) so export and feed links cover the same waivers."""
    filterset = WaiverFilterSet(request.GET, queryset=queryset)
    filterset.is_valid()
    page_form = PageForm(request.GET)
    page_form.is_valid()
    problems = _problems(request, filterset.form, page_form)
    page_size = page_form.cleaned_data.get("page_size") or DEFAULT_PAGE_SIZE
    requested_page = page_form.cleaned_data.get("page") or 1

    results = filterset.qs.with_public_relations().defer("search_vector")
    paginator = SearchPaginator(results, page_size)
    notices = []
    if filterset.relevance_skipped:
        notices.append(
            f"These keywords match more than the {search.RANK_LIMIT:,} waivers that can be "
            "ranked by relevance, so they are shown newest first. Add words or filters to "
            "rank them by relevance."
        )
    if requested_page > paginator.num_pages:
        if paginator.capped:
            notices.append(
                f"There is no page {requested_page}: pages stop at the first "
                f"{counting.PAGING_LIMIT:,} results (page {paginator.num_pages}, shown here)."
            )
        else:
            notices.append(
                f"There is no page {requested_page}; the results end at page "
                f"{paginator.num_pages}, shown here."
            )
        requested_page = paginator.num_pages
    page = paginator.page(requested_page)
    if not paginator.result_count.exact and page.number > 1 and not page.object_list:
        # The estimate was above the true number: this page is past the end.
        notices.append(
            f"There is no page {page.number}: this search has fewer results than estimated. "
            "Here is the first page."
        )
        page = paginator.page(1)
    if paginator.capped and page.number == paginator.num_pages:
        notices.append(
            f"Pages stop at the first {counting.PAGING_LIMIT:,} results. To see the others, "
            "narrow the search with keywords or filters, download all of them as CSV or "
            "JSON, or page through them with the API's cursor."
        )
    keywords = filterset.form.cleaned_data.get("q") if filterset.form.is_bound else ""
    if keywords:
        # The words around the match, for this page's rows only (search.headlines).
        page.object_list = list(page.object_list)
        snippets = search.headlines((waiver.pk for waiver in page.object_list), keywords)
        for waiver in page.object_list:
            waiver.snippet = snippets.get(waiver.pk, "")

    path = request.path
    chips = [
        Chip(label, _url(path, _without(request.GET, name, value)))
        for name, value, label in filter_labels(filterset)
    ]
    bad = {problem.param for problem in problems}
    usable = request.GET.copy()
    for name in (*bad, *DISPLAY_PARAMS):
        usable.pop(name, None)
    for name, value in (scope or {}).items():
        if value not in usable.getlist(name):
            usable.appendlist(name, value)
    without_problems = request.GET.copy()
    for name in bad:
        without_problems.pop(name, None)

    return BrowseResult(
        filterset=filterset,
        page=page,
        page_size=page_size,
        sort="newest" if filterset.relevance_skipped else filterset.sort_key,
        controls=filter_controls(request, filterset),
        chips=chips,
        problems=problems,
        notices=notices,
        filter_query=usable.urlencode(),
        without_problems_url=_url(path, without_problems),
    )
