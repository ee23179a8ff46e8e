"""The home page (/) and the about page (/about/)."""

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from waivers.models import Waiver
from waivers.selectors.waivers import headline_counts, latest_decisions, under_review


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "waivers/home.html", {
        "counts": headline_counts(),
        "under_review": under_review(),
        "latest_decisions": latest_decisions(),
    })


def about(request: HttpRequest) -> HttpResponse:
    freshness = Waiver.objects.public().aggregate(
        latest_submitted=Max("submitted_at"), latest_updated=Max("updated_at")
    )
    return render(request, "waivers/about.html", {"freshness": freshness})
