"""Public waiver pages. Fixed paths (export, feed) come before
/waivers/<public_id>/ so they are never read as an identifier."""

from django.urls import path, register_converter

from waivers.feeds import WaiverFeed
from waivers.views import agencies, browse, categories, detail, pages, stats


class PublicIdConverter:
    """Public identifiers such as MIA-7KQ3M9XD; never matches export.csv or feed."""

    regex = r"[A-Z]{2,5}-[0-9A-Z]{4,14}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class SchemeConverter:
    """A category classification: psc or naics."""

    regex = "psc|naics"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "public_id")
register_converter(SchemeConverter, "scheme")

app_name = "waivers"

urlpatterns = [
    path("", pages.home, name="home"),
    path("about/", pages.about, name="about"),
    path("stats/", stats.stats, name="stats"),
    path("categories/", categories.category_index, name="categories"),
    path("categories/<scheme:scheme>/<str:code>/", categories.category_detail, name="category"),
    path(
        "categories/<scheme:scheme>/<str:code>/figures.csv",
        categories.category_csv,
        name="category_csv",
    ),
    path("waivers/", browse.waiver_list, name="list"),
    path("waivers/export.csv", browse.export_csv, name="export_csv"),
    path("waivers/export.json", browse.export_json, name="export_json"),
    path("waivers/feed/", WaiverFeed(), name="feed"),
    path("waivers/ending-soon/", browse.ending_soon, name="ending_soon"),
    path("waivers/<public_id:public_id>/", detail.waiver_detail, name="detail"),
]

# The agency pages (namespace "agencies", included by miao_site.urls): the
# agencies app holds the reference data, the pages listing waivers live here.
agency_urlpatterns = [
    path("agencies/", agencies.agency_list, name="list"),
    path("agencies/scorecard.csv", agencies.agency_scorecard_csv, name="scorecard_csv"),
    path("agencies/<slug:slug>/", agencies.agency_detail, name="detail"),
]
