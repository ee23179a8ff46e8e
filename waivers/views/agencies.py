"""/agencies/ and /agencies/<slug>/: who proposes waivers, and their waivers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from agencies import selectors
from agencies.models import Agency
from waivers import caching
from waivers.browsing import browse
from waivers.models import Waiver


def agency_list(request: HttpRequest) -> HttpResponse:
    # One GROUP BY over every public waiver: cached under the data version.
    departments = caching.cached(
        caching.queryset_key("agency-list", Waiver.objects.public()),
        selectors.departments_with_counts,
    )
    return render(
        request,
        "agencies/agency_list.html",
        {
            "departments": departments,
            "with_waivers": [row for row in departments if row.count],
            "without_waivers": [row for row in departments if not row.count],
        },
    )


def agency_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.select_related("parent"), slug=slug)
    is_department = agency.kind == Agency.Kind.DEPARTMENT
    waivers = selectors.agency_waivers(agency)
    # Aggregates over the agency's waivers: cached under the data version.
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "is_department": is_department,
            "summary": caching.cached(
                caching.queryset_key("agency-summary", waivers),
                lambda: selectors.agency_summary(waivers),
            ),
            "subtiers": caching.cached(
                caching.queryset_key("agency-subtiers", waivers),
                lambda: selectors.subtiers_with_counts(agency),
            )
            if is_department
            else [],
            "result": browse(request, waivers, scope={"agency": agency.code}),
        },
    )
