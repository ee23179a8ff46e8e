"""Shared pieces of the staff admin: read-only admin behaviour (scoped
look-ups that 404 come from agencies.admin.NotFoundInsteadOfRedirect)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from agencies import roles


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to any staff member with a role; nobody adds, changes or deletes."""

    def has_module_permission(self, request):
        return roles.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.has_any_role(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def response_count_link(waiver) -> str:
    """A waiver's count of confirmed supplier responses, linking to them in
    the "Supplier responses" list (review queue, transition pages)."""
    count = waiver.supplier_response_count
    if not count:
        return "0"
    url = reverse("admin:responses_supplierresponse_changelist") + f"?q={waiver.public_id}"
    return format_html('<a href="{}">{}</a>', url, count)
