"""Query parameters of the API's list endpoints, declared as FilterSets.

The waiver list uses the site's shared WaiverFilterSet unchanged (same
parameter names and meaning) and adds only `ordering`, the API's name for the
sort: a FilterSet sort key, or one of a few field-style aliases.
"""

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agencies.models import Agency
from waivers.filters import COUNTRY_CHOICES, SORTS, StrictBooleanFilter, WaiverFilterSet
from waivers.models import NaicsCode, PscCode
from waivers.selectors.agencies import public_counts_by_agency

# ordering value -> WaiverFilterSet sort key
ORDERING_ALIASES = {
    **{key: key for key in SORTS},
    "-submitted_at": "newest",
    "submitted_at": "oldest",
    "review_due_date": "deadline",
}
# Orderings a keyset cursor can follow (their sort columns are never null).
CURSOR_ORDERINGS = ("newest", "oldest")
MAX_LOOKUP_QUERY_LENGTH = 100
# The country filter in the schema, as drf-spectacular describes a list of choices.
COUNTRY_SCHEMA = {
    "type": "string",
    "enum": sorted(code for code, _ in COUNTRY_CHOICES),
    "description": "\n".join(
        ["Country of origin", ""] + [f"* `{code}` - {name}" for code, name in COUNTRY_CHOICES]
    ),
}


class BooleanParameter(StrictBooleanFilter, django_filters.BooleanFilter):
    """The site's strict true/false parsing, known to the schema as a boolean."""


class ApiWaiverFilterSet(WaiverFilterSet):
    ordering = django_filters.ChoiceFilter(
        choices=[(value, value) for value in ORDERING_ALIASES],
        method="filter_ordering",
        label="Ordering",
        help_text=(
            "newest (default; also -submitted_at), oldest (submitted_at), deadline "
            "(review_due_date), title, agency, expires (ending soonest; no end date last), "
            "relevance (default when q is given, "
            "except in cursor mode; a search matching more than 5,000 waivers is not "
            "ranked and comes newest first). Same keys as `sort`, which it overrides."
        ),
    )

    @extend_schema_field({"type": "string", "pattern": "^[0-9A-Z]{3,4}$"})
    def filter_agency(self, queryset, name, value):
        # The site's filter, unchanged; the decorator tells the schema its shape.
        return super().filter_agency(queryset, name, value)

    @extend_schema_field(COUNTRY_SCHEMA)
    def filter_country(self, queryset, name, value):
        # The site's filter, unchanged; the decorator gives the schema the
        # codes, which it does not read from choices given as a callable.
        return super().filter_country(queryset, name, value)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_open(self, queryset, name, value):
        # The site's filter, unchanged; the decorator tells the schema its type.
        return super().filter_open(queryset, name, value)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_has_responses(self, queryset, name, value):
        # The site's filter, unchanged; the decorator tells the schema its type.
        return super().filter_has_responses(queryset, name, value)

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied last, through sort_key

    @property
    def cursor_mode(self) -> bool:
        return self.data is not None and "cursor" in self.data

    @property
    def sort_key(self) -> str:
        data = {}
        if self.is_bound:
            self.form.is_valid()
            data = self.form.cleaned_data
        chosen = ORDERING_ALIASES.get(data.get("ordering") or "")
        if chosen is None:
            if self.cursor_mode and not data.get("sort"):
                return "newest"
            return super().sort_key
        if chosen == "relevance" and not data.get("q"):
            return "newest"
        return chosen


def _words(value: str) -> list[str]:
    return value.split()[:10]


@extend_schema_field({"type": "string", "pattern": r"^\d{3}$"})
class DepartmentFilter(django_filters.ModelChoiceFilter):
    """A department by its CGAC code (the schema states the shape; an unknown
    code is a 400)."""


class AgencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_LOOKUP_QUERY_LENGTH,
        label="Search",
        help_text="Agency code, or words of the name or abbreviation (all must match).",
    )
    kind = django_filters.ChoiceFilter(choices=Agency.Kind.choices, label="Kind")
    department = DepartmentFilter(
        field_name="parent",
        queryset=Agency.objects.departments(),
        to_field_name="code",
        label="Department",
        help_text="Sub-tiers of this department (CGAC code). An unknown code is a 400.",
    )
    has_waivers = BooleanParameter(
        method="filter_has_waivers",
        label="Has waivers",
        help_text="true: only agencies with at least one public waiver.",
    )

    class Meta:
        model = Agency
        fields = []

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in _words(value):
            condition &= (
                Q(code__iexact=word) | Q(name__icontains=word) | Q(abbreviation__icontains=word)
            )
        return queryset.filter(condition)

    def filter_has_waivers(self, queryset, name, value):
        if value is None:
            return queryset
        with_waivers = [pk for pk, count in public_counts_by_agency().items() if count]
        if value:
            return queryset.filter(pk__in=with_waivers)
        return queryset.exclude(pk__in=with_waivers)


class NaicsFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_LOOKUP_QUERY_LENGTH,
        label="Search",
        help_text="Code prefix (e.g. 3345) or words of the title; every word must match.",
    )
    in_reference = BooleanParameter(
        label="In the NAICS list",
        help_text="false: codes seen in waiver data but not in the NAICS 2017 list.",
    )

    class Meta:
        model = NaicsCode
        fields = []

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in _words(value):
            condition &= Q(code__startswith=word) | Q(title__icontains=word)
        return queryset.filter(condition)


class PscFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=MAX_LOOKUP_QUERY_LENGTH,
        label="Search",
        help_text="Code prefix (e.g. 66) or words of the name; every word must match.",
    )
    active = BooleanParameter(
        method="filter_active",
        label="Active",
        help_text="true: current codes only; false: retired codes only.",
    )
    in_reference = BooleanParameter(
        label="In the PSC list",
        help_text="false: codes seen in waiver data but not in the PSC list.",
    )

    class Meta:
        model = PscCode
        fields = []

    def filter_q(self, queryset, name, value):
        condition = Q()
        for word in _words(value):
            condition &= (
                Q(code__startswith=word.upper())
                | Q(name__icontains=word)
                | Q(full_name__icontains=word)
            )
        return queryset.filter(condition)

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(end_date__isnull=value)
