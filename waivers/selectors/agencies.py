"""Reads for the agency pages: public waiver counts by department and sub-tier.

Counts always come from Waiver.objects.public(), so drafts and test records
are never counted.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from agencies.models import Agency
from waivers.models import Waiver


@dataclass
class AgencyCount:
    agency: Agency
    count: int
    subtiers: list["AgencyCount"] = field(default_factory=list)


def public_counts_by_contracting_agency(queryset=None) -> dict[int, int]:
    """{agency id: number of public waivers it contracted} — one GROUP BY."""
    queryset = Waiver.objects.public() if queryset is None else queryset
    rows = (
        queryset.order_by()
        .values("contracting_agency_id")
        .annotate(n=Count("id"))
        .values_list("contracting_agency_id", "n")
    )
    return dict(rows)


def departments_with_counts() -> list[AgencyCount]:
    """Every department, sorted by name, with its public waiver count and its
    sub-tiers that have public waivers (three queries in all)."""
    counts = public_counts_by_contracting_agency()
    departments = {
        department.pk: AgencyCount(department, counts.get(department.pk, 0))
        for department in Agency.objects.departments().order_by("name")
    }
    subtiers = Agency.objects.subtiers().filter(pk__in=list(counts)).order_by("name")
    for subtier in subtiers:
        department = departments.get(subtier.parent_id)
        if department is not None:
            department.count += counts[subtier.pk]
            department.subtiers.append(AgencyCount(subtier, counts[subtier.pk]))
    return sorted(departments.values(), key=lambda row: row.agency.display_name.lower())


def agency_waivers(agency: Agency):
    """The public waivers of an agency: a department's include its sub-tiers'.

    The agencies are listed by id (one IN on the indexed column) rather than
    joined with an OR on the parent, which made PostgreSQL read every public
    waiver (seconds at a million) instead of using the agency indexes."""
    ids = [agency.pk]
    if agency.kind == Agency.Kind.DEPARTMENT:
        ids += Agency.objects.filter(parent=agency).values_list("pk", flat=True)
    return Waiver.objects.public().filter(contracting_agency_id__in=ids)


def agency_summary(waivers) -> dict[str, int]:
    """Headline counts of an agency's public waivers (agency_waivers()), in one query."""
    return waivers.aggregate(
        total=Count("id"),
        open=Count("id", filter=Waiver.AWAITING_REVIEW),
        determined=Count("id", filter=~Q(determination="")),
        granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.GRANTED)),
        withdrawn=Count("id", filter=Q(status=Waiver.Status.WITHDRAWN)),
    )


def subtiers_with_counts(department: Agency) -> list[AgencyCount]:
    """A department's sub-tiers that have public waivers, with counts (one query)."""
    rows = (
        Agency.objects.filter(parent=department)
        .annotate(
            n=Count(
                "contracted_waivers",
                filter=Q(contracted_waivers__in=Waiver.objects.public()),
            )
        )
        .filter(n__gt=0)
        .order_by("name")
    )
    return [AgencyCount(agency, agency.n) for agency in rows]
