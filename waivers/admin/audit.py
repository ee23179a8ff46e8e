"""The audit trail in the admin: read-only for everyone, superusers included
(no add, change or delete; the database refuses UPDATE and DELETE too)."""

from django.contrib import admin
from django.utils.html import format_html_join

from agencies.admin import NotFoundInsteadOfRedirect
from waivers import scope
from waivers.models import WaiverAuditEntry

from .base import ReadOnlyAdmin


@admin.register(WaiverAuditEntry)
class WaiverAuditEntryAdmin(NotFoundInsteadOfRedirect, ReadOnlyAdmin):
    list_display = ("at", "waiver_public_id", "action", "actor", "changed", "reason")
    list_filter = ("action",)
    search_fields = ("=waiver_public_id", "actor__username", "reason")
    list_select_related = ("actor",)
    fields = ("at", "waiver_public_id", "action", "actor", "reason", "change_table", "snapshot")
    readonly_fields = fields
    actions = None
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset  # including the trails of deleted waivers
        visible = scope.visible_waivers(request.user).values("pk")
        return queryset.filter(waiver_id__in=visible)

    def get_fields(self, request, obj=None):
        if obj is not None and not obj.snapshot:
            return [f for f in self.fields if f != "snapshot"]
        return self.fields

    @admin.display(description="fields changed")
    def changed(self, obj):
        return ", ".join(obj.changed_fields) or "—"

    @admin.display(description="changes")
    def change_table(self, obj):
        return format_html_join(
            "\n",
            "<div><strong>{}</strong>: {} → {}</div>",
            ((c["field"], _show(c["old"]), _show(c["new"])) for c in obj.changes),
        )


def _show(value) -> str:
    if value in (None, "", []):
        return "(empty)"
    return str(value)
