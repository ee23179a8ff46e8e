"""Follower counts in the staff admin: how many people follow each agency,
search and waiver, never who. There is no list, change or delete view of
subscriptions or subscribers: no staff page ever shows an address."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from alerts import selectors
from alerts.models import FollowerCount
from waivers import scope
from waivers.admin.base import ReadOnlyAdmin


@admin.register(FollowerCount)
class FollowerCountAdmin(ReadOnlyAdmin):
    """Any staff member with a role; nobody adds, changes or deletes."""

    def has_view_permission(self, request, obj=None):
        return obj is None and super().has_view_permission(request)

    def get_urls(self):
        # The aggregate page only: no per-subscription URL exists.
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="alerts_followercount_changelist",
            )
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Follower counts",
            "totals": selectors.totals(),
            "agencies": selectors.agencies(),
            "searches": selectors.searches(),
            "waivers": selectors.waivers(scope.visible_waivers(request.user)),
            "outbox": selectors.outbox(),
        }
        return TemplateResponse(request, "admin/alerts/follower_counts.html", context)
