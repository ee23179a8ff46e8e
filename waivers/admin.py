from django.contrib import admin

from waivers.models import (
    JonesActDetail, NaicsCode, PricePreference, PscCode, UrgentReport, Waiver, WaiverInternal,
    WaiverStatusChange,
)


@admin.register(NaicsCode)
class NaicsCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "in_reference")
    list_filter = ("in_reference",)
    search_fields = ("code", "title")


@admin.register(PscCode)
class PscCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "end_date", "in_reference")
    list_filter = ("in_reference",)
    search_fields = ("code", "name", "full_name")


class ReadOnlyInline(admin.StackedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = WaiverStatusChange
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Waiver)
class WaiverAdmin(admin.ModelAdmin):
    list_display = ("public_id", "procurement_title", "waiver_type", "status",
                    "contracting_agency", "submitted_at", "review_due_date")
    list_filter = ("waiver_type", "status", "determination", "is_test_record")
    search_fields = ("public_id", "procurement_title", "solicitation_id", "source_id")
    list_select_related = ("contracting_agency",)
    readonly_fields = ("public_id", "status", "submitted_at", "review_due_date", "determination",
                       "determination_conditions", "determination_explanation", "determined_at",
                       "final_decision", "final_decision_date", "withdrawn_at")
    autocomplete_fields = ("contracting_agency", "funding_agency", "naics", "psc")
    inlines = [
        type("InternalInline", (ReadOnlyInline,), {"model": WaiverInternal}),
        type("PriceInline", (ReadOnlyInline,), {"model": PricePreference}),
        type("JonesInline", (ReadOnlyInline,), {"model": JonesActDetail}),
        type("UrgentInline", (ReadOnlyInline,), {"model": UrgentReport}),
        StatusChangeInline,
    ]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and (obj is None or obj.status == Waiver.Status.DRAFT)
