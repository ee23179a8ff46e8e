"""The site's URLs plus the floor view: a bare Django view returning a
constant small JSON, the least any request can cost. Used only by the
benchmark (in-process with override_settings, and by its gunicorn server)."""

from django.http import JsonResponse
from django.urls import include, path

FLOOR_PATH = "/bench/floor/"


def floor(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path(FLOOR_PATH.strip("/") + "/", floor, name="bench_floor"),
    path("", include("miao_site.urls")),
]
