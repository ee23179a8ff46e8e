"""A followed search: any filter state of the one FilterSet
(waivers.filters.WaiverFilterSet), kept as a canonical query string, and
matched with that same FilterSet over Waiver.objects.public(), so the search
page, the exports, the API and the alert never disagree."""

from urllib.parse import urlencode

from django.http import QueryDict

from waivers.browsing import filter_labels
from waivers.filters import WaiverFilterSet
from waivers.models import Waiver

# Every filter of the FilterSet except the sort (an alert lists changes in the
# order they happened). Display parameters (page, page_size, more) are not
# filters and are dropped with any other unknown parameter.
FILTER_PARAMS = tuple(name for name in WaiverFilterSet.base_filters if name != "sort")
MAX_QUERY_LENGTH = 2000


def canonical_query(params: QueryDict) -> str:
    """The filters of `params` as a query string that is the same however
    the parameters were ordered or repeated."""
    pairs = sorted(
        {
            (name, value.strip())
            for name in FILTER_PARAMS
            for value in params.getlist(name)
            if value.strip()
        }
    )
    return urlencode(pairs)


def filterset(query: str, queryset=None) -> WaiverFilterSet:
    """The FilterSet of a followed search over public waivers (or `queryset`,
    which must be a subset of them)."""
    data = QueryDict(query, mutable=True)
    data["sort"] = "newest"  # a fixed order: no relevance ranking to decide
    return WaiverFilterSet(data, queryset=Waiver.objects.public() if queryset is None else queryset)


def labels(search: WaiverFilterSet) -> list[str]:
    """The search's filters in words, e.g. ["NAICS 3345…", "Agency: NIST"]."""
    search.is_valid()
    return [label for _, _, label in filter_labels(search)]


def describe(query: str) -> str:
    """One line naming what a followed search matches."""
    found = labels(filterset(query))
    return "; ".join(found) if found else "Every new waiver"
