"""NAICS and PSC reference lists. Their autocompletes (used by the waiver
form) offer only codes a new waiver may use: listed, and for PSC not retired."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from agencies.admin import ReferenceDataAdmin
from waivers.models import NaicsCode, PscCode


@admin.register(NaicsCode)
class NaicsCodeAdmin(ReferenceDataAdmin):
    list_display = ("code", "title", "in_reference")
    list_filter = ("in_reference",)
    search_fields = ("code", "title")

    def get_search_results(self, request, queryset, search_term):
        if self.autocomplete_target(request) == ("waiver", "naics"):
            queryset = queryset.filter(in_reference=True)
        return super().get_search_results(request, queryset, search_term)


@admin.register(PscCode)
class PscCodeAdmin(ReferenceDataAdmin):
    list_display = ("code", "name", "end_date", "in_reference")
    list_filter = ("in_reference",)
    search_fields = ("code", "name", "full_name")

    def get_search_results(self, request, queryset, search_term):
        if self.autocomplete_target(request) == ("waiver", "psc"):
            today = timezone.localdate()
            queryset = queryset.filter(
                Q(end_date__isnull=True) | Q(end_date__gt=today),
                in_reference=True,
                code__regex=r"^[A-Z0-9]{4}$",
            )
        return super().get_search_results(request, queryset, search_term)
