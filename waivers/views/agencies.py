"""/agencies/ and /agencies/<slug>/: who proposes waivers, and their waivers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from agencies.models import Agency
from waivers.browsing import browse, without_empty_parameters
from waivers.selectors import agencies as selectors


def agency_list(request: HttpRequest) -> HttpResponse:
    departments = selectors.departments_with_counts()
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
    if (canonical := without_empty_parameters(request)) is not None:
        return canonical
    agency = get_object_or_404(Agency.objects.select_related("parent"), slug=slug)
    is_department = agency.kind == Agency.Kind.DEPARTMENT
    waivers = selectors.agency_waivers(agency)
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "is_department": is_department,
            "summary": selectors.agency_summary(waivers),
            "subtiers": selectors.subtiers_with_counts(waivers) if is_department else [],
            "result": browse(request, waivers, scope={"agency": agency.code}),
        },
    )
