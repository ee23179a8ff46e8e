"""The one FilterSet behind the public list, exports, feeds and the API.

Parameter names are part of the public interface (URLs people bookmark and
API clients depend on): q, type, status, determination, decision, agency,
naics, psc, country, stage, coverage, submitted_after, submitted_before, open,
has_responses, expires_after, expires_before, ending_within, sort. Bad values
produce form errors naming the parameter; the site shows them as messages and
the API answers 400 with them.
"""

import datetime as dt
import re
from functools import cached_property

import django_filters
import pycountry
from django import forms
from django.conf import settings
from django.db.models import F, Func, OrderBy, Q
from django.utils import timezone
from django_filters.fields import ModelMultipleChoiceField

from agencies.models import Agency
from waivers import counting
from waivers import search as keyword_search
from waivers.models import NaicsCode, PscCode, Waiver
from waivers.search import MAX_QUERY_LENGTH, search

PUBLIC_STATUSES = [(s.value, s.label) for s in Waiver.Status if s != Waiver.Status.DRAFT]
DECISION_CHOICES = [*Waiver.FinalDecision.choices, ("pending", "Pending")]
COUNTRY_CHOICES = sorted(
    ((c.alpha_2, c.name) for c in pycountry.countries), key=lambda choice: choice[1]
)


def country_choices() -> list[tuple[str, str]]:
    """COUNTRY_CHOICES, given to the country filter as a callable: Django
    copies every field of a form for each request, and keeps a callable's
    choices by reference where it would copy a list of ~250 pairs (see
    docs/performance.md, "Removed speed measures")."""
    return COUNTRY_CHOICES


SORTS = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "deadline": "Review deadline",
    "title": "Title (A–Z)",
    "agency": "Agency (A–Z)",
    "expires": "Ending soonest",
}
# Every ordering ends on a unique column so pages never overlap.
# Public waivers always have submitted_at (constraint waiver_posted_has_submitted_at),
# so newest/oldest use PostgreSQL's default NULLS placement, which is the one the
# indexes (waiver_public_newest_idx, waiver_agency_newest_idx) are built
# with: an explicit NULLS LAST on a DESC sort would stop the planner using them
# and sort every matching row instead.
ORDERINGS = {
    "newest": ["-submitted_at", "-id"],
    "oldest": ["submitted_at", "id"],
    "deadline": [F("review_due_date").asc(nulls_last=True), "id"],
    "title": ["procurement_title", "id"],
    "agency": ["contracting_agency__name", "id"],
    # Served by waiver_public_expires_idx; waivers without an end date last.
    "expires": [F("expires").asc(nulls_last=True), "id"],
}
# How a page of a result is read, by the result's size (counted or
# estimated): see page_rows.
SORT_WHOLE_ROWS = 1_000
SORT_IN_MEMORY_ROWS = 50_000
WALK_ROWS = 5_000
# A walk through a result above SORT_IN_MEMORY_ROWS gets this many times
# COUNT_BUDGET_MS before its ids are sorted instead (page_rows).
LARGE_WALK_BUDGET_FACTOR = 4


class _Unindexed(Func):
    """COALESCE(x): the value of x, in a form no index matches."""

    function = "COALESCE"


def sorted_in_memory(queryset):
    """`queryset` in the same order, written so that PostgreSQL finds the
    matching rows through the filters' indexes and sorts them, instead of
    walking a sort index (waiver_public_title_idx, ...) and skipping every
    row that does not match until a page is full. The walk is quick when
    matches are spread evenly, and reads most of the table when they are not
    (urgent reports have no review deadline, so by deadline they all come
    last: 3 s at a million waivers; sorted, 0.16 s). For a small result,
    sorting bounds the cost (page_rows)."""
    orderings = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            item = F(item[1:]).desc() if item.startswith("-") else F(item).asc()
        orderings.append(
            OrderBy(
                _Unindexed(item.expression),
                descending=item.descending,
                nulls_first=item.nulls_first,
                nulls_last=item.nulls_last,
            )
        )
    return queryset.order_by(*orderings)


def sorted_page(queryset, start: int, stop: int, rows=None):
    """Rows start:stop of `queryset`, read in two steps: the matching ids are
    sorted (sorted_in_memory, over narrow rows of ids and sort keys), then the
    page's rows are read whole by id, in the queryset's order. Sorting whole
    rows (summaries, rationales) took 0.3-0.7 s for 40,000 of them at a
    million waivers; and given the ids as a subquery, PostgreSQL read every
    match again to join them.

    `rows`: the same rows in the same order without what the page adds for
    display (the API's published columns join other tables), to sort the ids of."""
    ids = sorted_in_memory((queryset if rows is None else rows).values_list("pk", flat=True))
    return queryset.filter(pk__in=list(ids[start:stop]))


def page_rows(queryset, start: int, stop: int, total: int, rows=None) -> list:
    """Rows start:stop of `queryset`, a result of about `total` rows:

    - up to SORT_WHOLE_ROWS: sorted whole, in one query;
    - up to SORT_IN_MEMORY_ROWS: read in order from the sort index when the
      page should be found within WALK_ROWS rows of it (the result's share of
      the table says how far apart its rows are) and that finishes within
      COUNT_BUDGET_MS; otherwise sorted by id first (sorted_page). A common
      word's first page, newest first: walked, 5 ms; page 20 of the urgent
      reports by agency, or any page of them by review deadline (all last):
      walked, 0.5-3 s, sorted 0.2-0.3 s;
    - above: read in order from the sort index, within four times
      COUNT_BUDGET_MS (a large result is dense in most orders, but sorting it
      costs much more: a common word's 240,000 matches by agency, walked
      25 ms warm and 60-100 ms cold, sorted 1.6 s); otherwise sorted by id
      first. Not dense in all orders: waivers submitted in the last eighteen
      months, by end date, come after every earlier waiver's end (walked,
      0.65-1.5 s; sorted, 0.3 s).

    `rows`: as for sorted_page."""
    if total <= SORT_WHOLE_ROWS:
        return list(sorted_in_memory(queryset)[start:stop])
    large = total > SORT_IN_MEMORY_ROWS
    if large or stop * counting.table_rows(queryset.db) / total <= WALK_ROWS:
        budget = settings.COUNT_BUDGET_MS * (LARGE_WALK_BUDGET_FACTOR if large else 1)
        try:
            return counting.within_budget(queryset.db, budget, lambda: list(queryset[start:stop]))
        except counting.OverBudget:
            pass  # the matches are bunched away from the start of the order
    return list(sorted_page(queryset, start, stop, rows))


# The "ending soon" view: waivers whose end falls in the next this many days.
ENDING_SOON_DAYS = 90
# The widest `ending_within` window, in days (about ten years).
ENDING_WITHIN_MAX_DAYS = 3660


class UpperCharField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


class AgencyNamesField(ModelMultipleChoiceField):
    """Agencies by code, or by name or abbreviation (a manufacturer knows "Coast
    Guard", not "7008"). A name is read as the code of the one agency it
    names exactly, or failing that the one whose name contains it; a name
    that fits several agencies is an error listing the first few."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [self._code(item) for item in value]
        return super().clean(value)

    def _code(self, text):
        text = str(text).strip()
        if not text or "\x00" in text or Agency.objects.filter(code=text).exists():
            return text  # NUL (which PostgreSQL refuses) is left to the choice check
        exact = list(Agency.objects.filter(Q(name__iexact=text) | Q(abbreviation__iexact=text))[:2])
        matches = exact or list(Agency.objects.filter(name__icontains=text).order_by("name")[:4])
        if len(matches) == 1:
            return matches[0].code
        if len(matches) > 1:
            names = "; ".join(f"{agency.name} ({agency.code})" for agency in matches[:3])
            more = "…" if len(matches) > 3 else ""
            raise forms.ValidationError(
                f"“{text[:60]}” names several agencies ({names}{more}): enter more of the "
                "name or the code.",
                code="ambiguous",
            )
        return text  # unknown: the usual "not one of the available choices"


class AgencyFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = AgencyNamesField


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no, on/off); anything else is an error, never
    silently read as true the way a checkbox widget would."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


# After a code prefix, beyond the longest code (NAICS: 6 characters): see
# WaiverFilterSet.filter_code_prefix.
CODE_RANGE_END = "Z" * 6


class TitleMatches(list):
    """The codes whose title matched the words typed (a CodeOrTitleField's
    value when it was not a code)."""


class CodeOrTitleField(forms.CharField):
    """A NAICS or PSC code or its first characters, as before, or words of
    the code's title ("laboratory instruments"). A value that is neither (no
    title holds its words) is a field error, so bad input stays a 400 / a
    message: it is never quietly a search that finds nothing.

    Subclasses say what a code looks like and where titles are."""

    noun = ""  # "NAICS industry"
    code_message = ""

    def is_code(self, value: str) -> bool:
        raise NotImplementedError

    def bad_code(self, value: str) -> bool:
        """Looks like a code, but is not a valid one (e.g. 7 digits)."""
        return False

    def titled(self, words: list[str]) -> list[str]:
        raise NotImplementedError

    def to_python(self, value):
        return " ".join(super().to_python(value).split())

    def clean(self, value):
        value = super().clean(value)  # the text's own checks first: length, NUL
        if not value:
            return value
        if self.bad_code(value):
            raise forms.ValidationError(self.code_message, code="invalid")
        if self.is_code(value.upper()):
            return value.upper()
        codes = self.titled(value.split())
        if not codes:
            raise forms.ValidationError(
                f"No {self.noun} matches “{value[:60]}”. {self.code_message}", code="no_match"
            )
        return TitleMatches(codes)


def _word_starts(field: str, words: list[str]) -> Q:
    """Every word begins a word of `field` (PostgreSQL's \\m: start of a word),
    so "lab" finds "Laboratory" but "abc" does not find "Fabricated"."""
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__iregex": r"\m" + re.escape(word)})
    return condition


class NaicsField(CodeOrTitleField):
    noun = "NAICS industry"
    code_message = "Enter a NAICS code, its first 2–6 digits, or words of its title."

    def bad_code(self, value):
        return self.is_code(value) and not 2 <= len(value) <= 6

    def is_code(self, value):
        return value.isascii() and value.isdigit()

    def titled(self, words):
        matches = NaicsCode.objects.filter(_word_starts("title", words))
        return list(matches.values_list("code", flat=True))


class PscField(CodeOrTitleField):
    noun = "PSC product or service"
    code_message = "Enter a PSC code or category (1–4 letters or digits) or words of its name."

    def is_code(self, value):
        # PSC categories may be letters only ("R", "AD"): up to two letters, or
        # up to four characters with a digit, are a code; a longer word of
        # letters only ("BOAT") is a code only when some code begins with it.
        if not re.fullmatch(r"[A-Z0-9]{1,4}", value):
            return False
        if len(value) <= 2 or any(c.isdigit() for c in value):
            return True
        return not self.titled([value]) and PscCode.objects.filter(code__startswith=value).exists()

    def titled(self, words):
        matches = PscCode.objects.filter(
            _word_starts("name", words) | _word_starts("full_name", words)
        )
        return list(matches.values_list("code", flat=True))


class CodePrefixFilter(django_filters.CharFilter):
    """A code prefix, or the codes whose title holds the words typed."""


class NaicsFilter(CodePrefixFilter):
    field_class = NaicsField


class PscFilter(CodePrefixFilter):
    field_class = PscField


class LastDayField(forms.DateField):
    """A day that ends a range ("on or before"): the range ends at the start
    of the following day, which the last day a date can name (9999-12-31)
    does not have."""

    def validate(self, value):
        super().validate(value)
        if value == dt.date.max:
            raise forms.ValidationError(
                f"Enter a date before {dt.date.max.isoformat()}.", code="max_value"
            )


class LastDayFilter(django_filters.DateFilter):
    field_class = LastDayField


class WaiverFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label="Keywords",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words, "quoted phrases", -excluded words, or; PIIDs and codes match exactly.',
    )
    # distinct=False: these compare columns of the waiver row itself (no
    # multi-valued join), so there are no duplicates to remove, and a
    # SELECT DISTINCT over every column would sort the whole result.
    type = django_filters.MultipleChoiceFilter(
        field_name="waiver_type",
        choices=Waiver.Type.choices,
        label="Waiver type",
        distinct=False,
    )
    status = django_filters.MultipleChoiceFilter(
        choices=PUBLIC_STATUSES, label="Status", distinct=False
    )
    determination = django_filters.MultipleChoiceFilter(
        choices=Waiver.Determination.choices, label="OMB determination", distinct=False
    )
    decision = django_filters.MultipleChoiceFilter(
        choices=DECISION_CHOICES, method="filter_decision", label="Final decision"
    )
    agency = AgencyFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        method="filter_agency",
        label="Agency",
        help_text="Department (CGAC) or sub-tier (FPDS) code, or an agency's name; repeatable.",
    )
    naics = NaicsFilter(
        field_name="naics_id",
        method="filter_code_prefix",
        label="NAICS",
        max_length=100,
        help_text="A NAICS code or its first 2–6 digits, or words of an industry's title "
        "(a title that matches nothing is a 400).",
    )
    psc = PscFilter(
        field_name="psc_id",
        method="filter_code_prefix",
        label="PSC",
        max_length=100,
        help_text="A PSC code or category (1–4 letters or digits), or words of its name "
        "(a name that matches nothing is a 400).",
    )
    country = django_filters.MultipleChoiceFilter(
        choices=country_choices, method="filter_country", label="Country of origin"
    )
    stage = django_filters.ChoiceFilter(
        field_name="procurement_stage",
        choices=Waiver.ProcurementStage.choices,
        label="Procurement stage",
    )
    coverage = django_filters.ChoiceFilter(choices=Waiver.Coverage.choices, label="Coverage")
    submitted_after = django_filters.DateFilter(
        method="filter_submitted_after", label="Submitted on or after"
    )
    submitted_before = LastDayFilter(
        method="filter_submitted_before", label="Submitted on or before"
    )
    open = StrictBooleanFilter(method="filter_open", label="Open for review now")
    has_responses = StrictBooleanFilter(
        method="filter_has_responses",
        label="U.S. manufacturers responded",
        help_text="true: waivers a U.S. manufacturer said it can supply; false: none yet.",
    )
    expires_after = django_filters.DateFilter(
        field_name="expires", lookup_expr="gte", label="Ends on or after"
    )
    expires_before = LastDayFilter(
        field_name="expires", lookup_expr="lte", label="Ends on or before"
    )
    ending_within = django_filters.NumberFilter(
        method="filter_ending_within",
        label="Ending within (days)",
        min_value=1,
        max_value=ENDING_WITHIN_MAX_DAYS,
        help_text="Waivers, not withdrawn, whose end date (published or estimated) falls "
        "between today and this many days from today.",
    )
    sort = django_filters.ChoiceFilter(
        choices=list(SORTS.items()), method="filter_sort", label="Sort by", empty_label=None
    )

    class Meta:
        model = Waiver
        fields = []

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_code_prefix(self, queryset, name, value):
        if isinstance(value, TitleMatches):  # words of a title: those codes
            return queryset.filter(**{f"{name}__in": value})
        # The code and the codes it begins, as a range of the foreign-key
        # column itself (no join). Codes are ASCII capitals and digits, which
        # every collation orders as ASCII does, so the codes that begin with
        # P are those from P to P followed by Zs (longer than any code). The
        # indexes that lead with the column serve it (waiver_naics_newest_idx
        # for public waivers), and the planner estimates it from the column's
        # histogram. As LIKE 'P%' it read the whole of that index: counting
        # NAICS 32541's 10,529 waivers took 120 ms at a million, as a range 3 ms.
        return queryset.filter(**{f"{name}__gte": value, f"{name}__lte": value + CODE_RANGE_END})

    def filter_decision(self, queryset, name, value):
        condition = Q()
        for choice in value:
            if choice == "pending":
                condition |= Waiver.PENDING_DECISION
            else:
                condition |= Q(final_decision=choice)
        return queryset.filter(condition)

    def filter_agency(self, queryset, name, value):
        if not value:
            return queryset
        # One IN of literal ids on the indexed column (an OR across the join to
        # the agency table could not use an index, and literal ids let the
        # planner see how many rows each agency has).
        ids = sorted(Agency.objects.covering(value).values_list("pk", flat=True))
        return queryset.filter(contracting_agency_id__in=ids)

    def filter_country(self, queryset, name, value):
        return queryset.filter(countries__overlap=list(value)) if value else queryset

    def filter_submitted_after(self, queryset, name, value: dt.date):
        return queryset.filter(submitted_at__gte=_start_of_day(value))

    def filter_submitted_before(self, queryset, name, value: dt.date):
        return queryset.filter(submitted_at__lt=_start_of_day(value + dt.timedelta(days=1)))

    def filter_open(self, queryset, name, value):
        # An unticked box means "no restriction", not "closed only".
        return queryset.open_for_review() if value else queryset

    def filter_has_responses(self, queryset, name, value):
        # The confirmed responses' count kept on the waiver (served by
        # waiver_has_responses_idx for true).
        if value is None:
            return queryset
        if value:
            return queryset.filter(supplier_response_count__gt=0)
        return queryset.filter(supplier_response_count=0)

    def filter_ending_within(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            expires__gte=today, expires__lte=today + dt.timedelta(days=int(value))
        ).exclude(status=Waiver.Status.WITHDRAWN)

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    @property
    def sort_key(self) -> str:
        data = {}
        if self.is_bound:
            self.form.is_valid()  # an invalid field is left out of cleaned_data, the rest stays
            data = self.form.cleaned_data
        chosen = data.get("sort")
        if chosen == "relevance" and not data.get("q"):
            chosen = None
        return chosen or ("relevance" if data.get("q") else "newest")

    @cached_property
    def unordered_qs(self):
        """The filtered waivers without the sort, for aggregates (stats) that
        do not need it: no ordering, so no relevance decision to make."""
        queryset = self.queryset.all()
        if self.is_bound:
            self.errors  # noqa: B018 - validates the form, as django-filter's qs does
            queryset = super().filter_queryset(queryset)
        return queryset

    # Set by filter_queryset: relevance was the sort, but the keywords matched
    # more waivers than can be ranked quickly (search.RANK_LIMIT), so the
    # results are in the `newest` order instead.
    relevance_skipped = False

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        key = self.sort_key
        if key == "relevance":
            if rankable(queryset):
                return queryset.order_by(F("rank").desc(), "-submitted_at", "-id")
            self.relevance_skipped = True
            key = "newest"
        return queryset.order_by(*ORDERINGS[key])


def rankable(queryset) -> bool:
    """Whether a keyword search matches few enough waivers to rank them
    (search.RANK_LIMIT). The result's count decides when it is exact, or an
    estimate above the limit (it is cached and shown on the same page, so
    nothing more is read); an estimate at or under the limit is checked by
    reading at most RANK_LIMIT + 1 matches."""
    limit = keyword_search.RANK_LIMIT
    count = counting.result_count(queryset)
    if count.exact or count.value > limit:
        return count.value <= limit
    return counting.count_up_to(queryset, limit) <= limit


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
