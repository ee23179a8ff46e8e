"""The one FilterSet behind the public list, exports, feeds and the API.

Parameter names are part of the public interface (URLs people bookmark and
API clients depend on): q, type, status, determination, decision, agency,
naics, psc, country, stage, coverage, submitted_after, submitted_before, open,
has_responses, expires_after, expires_before, ending_within, sort. Bad values
produce form errors naming the parameter; the site shows them as messages and
the API answers 400 with them.
"""

import datetime as dt
from functools import cached_property

import django_filters
import pycountry
from django import forms
from django.core.validators import RegexValidator
from django.db.models import CharField, ExpressionWrapper, F, Q
from django.utils import timezone

from agencies.models import Agency
from waivers import caching
from waivers import search as keyword_search
from waivers.models import Waiver
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
# The "ending soon" view: waivers whose end falls in the next this many days.
ENDING_SOON_DAYS = 90
# The widest `ending_within` window, in days (about ten years).
ENDING_WITHIN_MAX_DAYS = 3660


class UpperCharField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


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


class CodePrefixFilter(django_filters.CharFilter):
    field_class = UpperCharField


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
    agency = django_filters.ModelMultipleChoiceFilter(
        queryset=Agency.objects.all(),
        to_field_name="code",
        method="filter_agency",
        label="Agency",
        help_text="Department (CGAC) or sub-tier (FPDS) code; repeatable.",
    )
    naics = CodePrefixFilter(
        field_name="naics_id",
        method="filter_code_prefix",
        label="NAICS",
        validators=[RegexValidator(r"^\d{2,6}$", "Enter a NAICS code or its first 2–6 digits.")],
    )
    psc = CodePrefixFilter(
        field_name="psc_id",
        method="filter_code_prefix",
        label="PSC",
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{1,4}$", "Enter a PSC code or category: 1–4 letters or digits."
            )
        ],
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
        # Compare the foreign-key column itself (no join), served by the
        # varchar_pattern_ops indexes on waiver.naics_id / waiver.psc_id.
        column = ExpressionWrapper(F(name), output_field=CharField())
        alias = f"{name}_text"
        return queryset.alias(**{alias: column}).filter(**{f"{alias}__startswith": value})

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
            if caching.cached_count(queryset) <= keyword_search.RANK_LIMIT:
                return queryset.order_by(F("rank").desc(), "-submitted_at", "-id")
            self.relevance_skipped = True
            key = "newest"
        return queryset.order_by(*ORDERINGS[key])


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
