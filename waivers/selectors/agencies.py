"""Reads for the agency pages and the API's agency figures: public waiver
counts by department and sub-tier.

Counts always come from Waiver.objects.public(), so drafts and test records
are never counted; a department's figures include its sub-tiers' (the rule
of AgencyQuerySet.covering / counted). Each figure is cached under the data
version.
"""

from django.db.models import Count, Q

from agencies.models import Agency, AgencyCount
from waivers import caching
from waivers.models import Waiver


def counts_by_contracting_agency(queryset) -> dict[int, int]:
    """{agency id: number of waivers of `queryset` it contracted} — one GROUP BY."""
    rows = (
        queryset.order_by()
        .values("contracting_agency_id")
        .annotate(n=Count("id"))
        .values_list("contracting_agency_id", "n")
    )
    return dict(rows)


def _public_counts() -> list[AgencyCount]:
    public = Waiver.objects.public()
    return caching.cached(
        caching.queryset_key("agency-counts", public),
        lambda: Agency.objects.counted(counts_by_contracting_agency(public)),
    )


def departments_with_counts() -> list[AgencyCount]:
    """Every department, sorted by name, with its public waiver count and its
    sub-tiers that have public waivers."""

    def compute():
        counted = {row.agency.pk: row for row in _public_counts()}
        rows = [
            counted.get(department.pk) or AgencyCount(department)
            for department in Agency.objects.departments()
        ]
        return sorted(rows, key=AgencyCount.sort_key)

    return caching.cached(
        caching.queryset_key("departments", Agency.objects.departments()), compute
    )


def public_counts_by_agency() -> dict[int, int]:
    """{agency id: its public waivers}, a department counting its sub-tiers'."""
    counts = {}
    for department in _public_counts():
        counts[department.agency.pk] = department.count
        counts.update((row.agency.pk, row.count) for row in department.subtiers)
    return counts


def agency_waivers(agency: Agency):
    """The public waivers of an agency: a department's include its sub-tiers'.

    The agencies are listed by id (one IN on the indexed column) rather than
    joined with an OR on the parent, which made PostgreSQL read every public
    waiver instead of using the agency indexes."""
    ids = list(Agency.objects.covering([agency]).values_list("pk", flat=True))
    return Waiver.objects.public().filter(contracting_agency_id__in=ids)


def agency_summary(waivers) -> dict[str, int]:
    """Headline counts of an agency's public waivers (agency_waivers()), in one query."""
    return caching.cached(
        caching.queryset_key("agency-summary", waivers),
        lambda: waivers.aggregate(
            total=Count("id"),
            open=Count("id", filter=Waiver.AWAITING_REVIEW),
            determined=Count("id", filter=~Q(determination="")),
            granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.GRANTED)),
            withdrawn=Count("id", filter=Q(status=Waiver.Status.WITHDRAWN)),
        ),
    )


def subtiers_with_counts(waivers) -> list[AgencyCount]:
    """The sub-tiers with public waivers among an agency's waivers (agency_waivers())."""

    def compute():
        counted = Agency.objects.counted(counts_by_contracting_agency(waivers))
        return [row for department in counted for row in department.subtiers]

    return caching.cached(caching.queryset_key("agency-subtiers", waivers), compute)
