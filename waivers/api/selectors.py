"""Reads behind the API's agency endpoints."""

from django.core.cache import cache
from django.db.models import Count

from agencies.models import Agency
from agencies.selectors import public_counts_by_contracting_agency
from waivers.api.conditional import data_last_modified

COUNTS_TTL = 600  # seconds; the key also changes with every change to the data


def agency_waiver_counts() -> dict[int, int]:
    """{agency id: public waivers it contracted}, a department counting its
    sub-tiers' too. One GROUP BY over the public waivers, kept in the cache
    under the data's Last-Modified, so a change to any waiver recomputes it."""
    version = data_last_modified()
    key = f"api:agency-waiver-counts:{version.isoformat() if version else 'empty'}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(public_counts_by_contracting_agency())
        parents = Agency.objects.filter(pk__in=list(counts), parent__isnull=False)
        for agency_id, parent_id in parents.values_list("pk", "parent_id"):
            counts[parent_id] = counts.get(parent_id, 0) + counts[agency_id]
        cache.set(key, counts, COUNTS_TTL)
    return counts


def counts_by(queryset, column: str, choices) -> list[dict]:
    """[{"value", "count"}] for every choice, zeros included (one GROUP BY)."""
    rows = queryset.order_by().values(column).annotate(n=Count("id")).values_list(column, "n")
    counts = dict(rows)
    return [{"value": value, "count": counts.get(value, 0)} for value, _ in choices]
