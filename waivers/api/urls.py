"""/api/ (guide), /api/docs/ (reference, from the OpenAPI document), /api/v1/... (the API)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from waivers.api import views

router = SimpleRouter()
router.register("waivers", views.WaiverViewSet, basename="waiver")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("naics", views.NaicsViewSet, basename="naics")
router.register("psc", views.PscViewSet, basename="psc")

app_name = "api"

urlpatterns = [
    path("", views.guide, name="guide"),
    path("docs/", views.reference_page, name="docs"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/stats/", views.StatsView.as_view(), name="stats"),
    path("v1/waivers/ending-soon/", views.ending_soon, name="waiver-ending-soon"),
    path("v1/agencies/scorecard/", views.AgencyScorecardView.as_view(), name="agency-scorecard"),
    path("v1/categories/psc/", views.PscCategoryView.as_view(), name="categories-psc"),
    path("v1/categories/naics/", views.NaicsCategoryView.as_view(), name="categories-naics"),
    path("v1/", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^v1/.*$", views.not_found, name="not_found"),
]
