"""The home page (/) and the about page (/about/)."""

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from waivers import caching
from waivers.models import Waiver
from waivers.selectors.waivers import headline_counts, latest_decisions, under_review


def home(request: HttpRequest) -> HttpResponse:
    # The counts and the latest decisions read every public waiver, so their
    # cost grows with the record: cached under the data version, like the facets.
    public = Waiver.objects.public()
    return render(
        request,
        "waivers/home.html",
        {
            "counts": caching.cached(caching.queryset_key("home-counts", public), headline_counts),
            "under_review": under_review(),
            "latest_decisions": caching.cached(
                caching.queryset_key(
                    "home-decisions", public, str(timezone.get_current_timezone())
                ),
                latest_decisions,
            ),
        },
    )


def about(request: HttpRequest) -> HttpResponse:
    freshness = Waiver.objects.public().aggregate(
        latest_submitted=Max("submitted_at"), latest_updated=Max("updated_at")
    )
    return render(request, "waivers/about.html", {"freshness": freshness})
