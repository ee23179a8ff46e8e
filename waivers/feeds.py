"""Atom feed of a waiver search: /waivers/feed/?psc=66 follows new waivers
for PSC category 66. Same FilterSet and parameters as /waivers/; newest
posted first, whatever `sort` says."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from waivers.browsing import DISPLAY_PARAMS, UnusableParameters, describe_filters
from waivers.filters import ORDERINGS, WaiverFilterSet
from waivers.models import Waiver

FEED_LENGTH = 50


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose entry summaries are declared plain text. Django declares
    them `type="html"`, but item_description() is plain text (escaped once,
    as XML): a reader rendering it as HTML would run stored markup."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class WaiverFeed(Feed):
    feed_type = PlainTextAtomFeed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except UnusableParameters as problem:
            # A plain-text 400 naming each parameter, as the downloads answer
            # (a BadRequest would log a whole traceback for each such request).
            return problem.response()

    def get_object(self, request):
        params = request.GET.copy()
        for name in (*DISPLAY_PARAMS, "sort"):
            params.pop(name, None)
        filterset = WaiverFilterSet(params, queryset=Waiver.objects.public())
        if not filterset.is_valid():
            raise UnusableParameters(filterset.form)
        filterset.query_string = params.urlencode()
        return filterset

    def title(self, filterset):
        described = describe_filters(filterset)
        return f"Made in America waivers{': ' + described if described else ''}"

    def subtitle(self, filterset):
        return (
            "Proposed waivers of Made in America laws posted for review by the "
            "Made in America Office, newest first."
        )

    def link(self, filterset):
        return _with_query(reverse("waivers:list"), filterset.query_string)

    def feed_url(self, filterset):
        return _with_query(reverse("waivers:feed"), filterset.query_string)

    def items(self, filterset):
        return (
            filterset.qs.with_public_relations()
            .defer("search_vector")
            .order_by(*ORDERINGS["newest"])[:FEED_LENGTH]
        )

    def item_title(self, waiver: Waiver):
        return f"{waiver.procurement_title or waiver.public_id} ({waiver.public_id})"

    def item_description(self, waiver: Waiver):
        parts = [
            f"{waiver.get_waiver_type_display()} waiver proposed by "
            f"{waiver.contracting_agency.display_name}.",
            f"Outcome: {waiver.outcome}.",
            waiver.finding,
        ]
        if waiver.psc_id:
            parts.append(f"PSC {waiver.psc}.")
        if waiver.naics_id:
            parts.append(f"NAICS {waiver.naics}.")
        if waiver.summary:
            parts.append(waiver.summary)
        return " ".join(parts)

    def item_pubdate(self, waiver: Waiver):
        return waiver.submitted_at

    def item_updateddate(self, waiver: Waiver):
        return waiver.updated_at

    def item_author_name(self, waiver: Waiver):
        return waiver.contracting_agency.display_name

    def item_categories(self, waiver: Waiver):
        categories = [waiver.get_waiver_type_display(), waiver.get_status_display()]
        if waiver.psc_id:
            categories.append(f"PSC {waiver.psc_id}")
        if waiver.naics_id:
            categories.append(f"NAICS {waiver.naics_id}")
        return categories


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url
