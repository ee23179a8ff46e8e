from django.contrib import admin
from django.urls import include, path

from waivers.urls import agency_urlpatterns

admin.site.site_header = "Made in America waivers — staff"
admin.site.site_title = "MIAO waivers staff"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("waivers.api.urls")),
    path("", include("waivers.urls")),
    path("", include((agency_urlpatterns, "agencies"))),
    path("", include("alerts.urls")),
]
