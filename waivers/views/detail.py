"""/waivers/<public-id>/: one public waiver."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from responses.selectors import public_summary
from waivers.selectors.waivers import (
    get_public_waiver_or_404,
    public_timeline,
    related_waivers,
    type_details,
)


def waiver_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    waiver = get_public_waiver_or_404(public_id)
    return render(
        request,
        "waivers/detail.html",
        {
            "waiver": waiver,
            **type_details(waiver),
            "timeline": public_timeline(waiver.history_at, waiver.history_from, waiver.history_to),
            "related": related_waivers(waiver),
            **public_summary(waiver),
        },
    )
