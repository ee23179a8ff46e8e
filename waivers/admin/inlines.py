"""Inlines of the waiver change form: the type-specific details (shown only
for the type they belong to), the government-only fields and the read-only
status history. Permissions follow the parent waiver (waivers.scope)."""

from django.contrib import admin

from agencies import roles
from agencies.admin import ReadOnlyInline
from responses.admin_inlines import SupplierResponseInline
from waivers import scope
from waivers.models import (
    JonesActDetail,
    PricePreference,
    UrgentReport,
    Waiver,
    WaiverInternal,
    WaiverStatusChange,
)

from .forms import JonesActForm, PricePreferenceForm, UrgentReportForm


class WaiverPartInline(admin.StackedInline):
    """One row belonging to the waiver, edited with it by those who may edit it."""

    extra = 1
    max_num = 1
    can_delete = False
    # One heading per part: no second, repeating "Name: name for MIA-…" title.
    template = "admin/waivers/waiver/edit_inline/single_stacked.html"
    # Which waiver types show this inline (empty: every type).
    for_types: tuple[str, ...] = ()

    def has_view_permission(self, request, obj=None):
        return roles.has_any_role(request.user)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_edit(self, request, obj) -> bool:
        if obj is None:  # the add form
            return request.user.is_superuser or bool(
                roles.agency_ids(request.user, roles.Role.AGENCY_SUBMITTER)
            )
        return scope.can_change_content(request.user, obj)

    def get_extra(self, request, obj=None, **kwargs):
        if obj is not None and self.model.objects.filter(waiver=obj).exists():
            return 0
        return 1 if self._may_edit(request, obj) else 0


class PricePreferenceInline(WaiverPartInline):
    model = PricePreference
    form = PricePreferenceForm
    for_types = (Waiver.Type.UNREASONABLE_COST,)
    fields = (
        "lowest_foreign_offer",
        "lowest_domestic_offer",
        "domestic_business_size",
        "is_dod",
        "evaluation_factor",
        "evaluated_foreign_price",
        "result",
    )
    readonly_fields = ("evaluation_factor", "evaluated_foreign_price", "result")

    @admin.display(description="evaluation factor (f)")
    def evaluation_factor(self, obj):
        if obj is None or obj.pk is None:
            return "computed on save"
        return f"{obj.factor:.2f}"

    @admin.display(description="evaluated foreign price E = L × (1 + f)")
    def evaluated_foreign_price(self, obj):
        if obj is None or obj.pk is None:
            return "computed on save"
        return f"{obj.evaluation.evaluated_foreign_price:,.2f}"

    @admin.display(description="result (FAR 25.106)")
    def result(self, obj):
        if obj is None or obj.pk is None:
            return "computed on save"
        evaluation = obj.evaluation
        if evaluation.domestic_is_reasonable:
            return (
                f"Domestic offer is reasonable: {evaluation.lowest_domestic_offer:,.2f} ≤ "
                f"{evaluation.evaluated_foreign_price:,.2f}"
            )
        return (
            f"Unreasonable cost: the domestic offer {evaluation.lowest_domestic_offer:,.2f} "
            f"exceeds {evaluation.evaluated_foreign_price:,.2f} by "
            f"{evaluation.difference:,.2f}"
        )


class JonesActInline(WaiverPartInline):
    model = JonesActDetail
    form = JonesActForm
    for_types = (Waiver.Type.JONES_ACT,)
    fieldsets = (
        ("Request", {"fields": ("authority", "requester", "received_at", "published_at")}),
        (
            "Vessel",
            {
                "fields": (
                    "vessel_name",
                    "vessel_number",
                    "vessel_flag",
                    "vessel_owner",
                    "vessel_operator",
                    "laden_at_request",
                )
            },
        ),
        (
            "Voyage",
            {
                "fields": (
                    "cargo_type",
                    "cargo_quantity",
                    "load_port",
                    "discharge_port",
                    "window_start",
                    "window_end",
                )
            },
        ),
        ("MARAD", {"fields": ("marad_determination_date", "marad_finding", "marad_actions")}),
        (
            "Decision",
            {
                "fields": (
                    "decision",
                    "decided_at",
                    "terms",
                    "valid_days",
                    "extension_days",
                    "denial_reasons",
                )
            },
        ),
        ("Voyage report", {"fields": ("voyage_report_received_at", "voyage_report_published_at")}),
    )


class UrgentReportInline(WaiverPartInline):
    model = UrgentReport
    form = UrgentReportForm
    for_types = (Waiver.Type.URGENT_REPORT,)
    fields = (
        "contract_number",
        "contract_signed_date",
        "urgency_contributed",
        "urgency_explanation",
        "mission_impact",
    )


class InternalInline(WaiverPartInline):
    model = WaiverInternal
    fields = ("market_research", "excluded_sources", "approving_official", "contacts")
    verbose_name_plural = "government-only information (never public)"


class StatusHistoryInline(ReadOnlyInline):
    """The append-only status history, read-only for everyone."""

    model = WaiverStatusChange
    fields = ("at", "from_status", "to_status", "actor", "note")
    verbose_name_plural = "status history"


DETAIL_INLINES = (PricePreferenceInline, JonesActInline, UrgentReportInline)


def inlines_for(waiver_type: str | None) -> list[type]:
    details = [inline for inline in DETAIL_INLINES if waiver_type in inline.for_types]
    return [*details, InternalInline, StatusHistoryInline, SupplierResponseInline]
