"""/waivers/ (search and browse) and the streamed exports of a search."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from waivers import throttling
from waivers.browsing import UnusableParameters, browse, without_empty_parameters
from waivers.exports import stream_csv, stream_json
from waivers.filters import ENDING_SOON_DAYS, WaiverFilterSet
from waivers.models import Waiver


def waiver_list(request: HttpRequest) -> HttpResponse:
    if (canonical := without_empty_parameters(request)) is not None:
        return canonical
    result = browse(request, Waiver.objects.public())
    return render(request, "waivers/browse.html", {"result": result})


def _export(request: HttpRequest, stream, content_type: str, extension: str) -> HttpResponse:
    if (too_many := throttling.refused(request)) is not None:
        return too_many
    filterset = WaiverFilterSet(request.GET, queryset=Waiver.objects.public())
    if not filterset.is_valid():
        # A download must be exactly what was asked for: name what is wrong.
        return UnusableParameters(filterset.form).response()
    response = StreamingHttpResponse(
        stream(filterset.qs, request.build_absolute_uri), content_type=content_type
    )
    filename = f"made-in-america-waivers-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, stream_csv, "text/csv; charset=utf-8", "csv")


def export_json(request: HttpRequest) -> HttpResponse:
    return _export(request, stream_json, "application/json", "json")


def ending_soon_url(url_name: str, **extra: str) -> str:
    """The list (site or API) of waivers ending in the next ENDING_SOON_DAYS
    days, soonest first: the one FilterSet's ending_within and sort."""
    query = {"ending_within": ENDING_SOON_DAYS, "sort": "expires", **extra}
    return f"{reverse(url_name)}?{urlencode(query)}"


def ending_soon(request: HttpRequest) -> HttpResponse:
    """/waivers/ending-soon/: waivers whose end (published or estimated) falls in
    the next 90 days, for manufacturers looking for demand that will return."""
    return HttpResponseRedirect(ending_soon_url("waivers:list"))
