from django.contrib import admin
from django.urls import include, path

from miao_site.health import healthz
from waivers.urls import agency_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancers (miao_site.health)
    path("admin/", admin.site.urls),
    path("api/", include("waivers.api.urls")),
    path("", include("waivers.urls")),
    path("", include((agency_urlpatterns, "agencies"))),
    path("", include("alerts.urls")),
    path("", include("responses.urls")),
]
