"""The supplier responses of a waiver, read-only under the waiver's change
form (waivers.admin.inlines). The waiver page is already scoped
(waivers.scope), so whoever sees it sees its confirmed responses; outcomes
are recorded on each response's own page."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from agencies.admin import ReadOnlyInline
from responses.models import SupplierResponse


class SupplierResponseInline(ReadOnlyInline):
    model = SupplierResponse
    fields = ("response_link", "state", "us_content_percent", "outcome", "confirmed_at")
    verbose_name_plural = "supplier responses (confirmed)"

    def get_queryset(self, request):
        return super().get_queryset(request).confirmed().order_by("confirmed_at", "id")

    @admin.display(description="company")
    def response_link(self, obj):
        url = reverse("admin:responses_supplierresponse_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.company_name)
