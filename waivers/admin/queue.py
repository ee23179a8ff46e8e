"""The MIAO reviewers' queue: posted waivers awaiting review, soonest due
first, overdue ones flagged. Read-only; each row links to the waiver, where
the review buttons are."""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from agencies import roles
from agencies.admin import NotFoundInsteadOfRedirect
from waivers import scope
from waivers.models import ReviewQueueItem

from .base import ReadOnlyAdmin, response_count_link
from .filters import AgencyFilter, OverdueFilter


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(NotFoundInsteadOfRedirect, ReadOnlyAdmin):
    # What a reviewer plans by comes first, so it is in view at any width.
    list_display = (
        "review_due_date",
        "days_left",
        "overdue",
        "waiver_link",
        "procurement_title",
        "waiver_type",
        "contracting_agency",
        "status",
        "submitted_at",
        "responses",
    )
    list_display_links = None
    list_filter = ("waiver_type", AgencyFilter, OverdueFilter, "status")
    search_fields = ("public_id", "procurement_title", "solicitation_id")
    list_select_related = ("contracting_agency",)
    actions = None

    def has_module_permission(self, request):
        return request.user.is_superuser or roles.is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_queryset(self, request):
        queryset = scope.visible_waivers(request.user, super().get_queryset(request))
        # Imported records flagged as test data are nobody's work.
        return queryset.open_for_review().filter(is_test_record=False)

    def get_ordering(self, request):
        return (F("review_due_date").asc(nulls_last=True), "submitted_at", "pk")

    @admin.display(description="waiver", ordering="public_id")
    def waiver_link(self, obj):
        url = reverse("admin:waivers_waiver_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.public_id)

    @admin.display(description="supplier responses", ordering="supplier_response_count")
    def responses(self, obj):
        return response_count_link(obj)

    @admin.display(description="business days left")
    def days_left(self, obj):
        left = obj.business_days_left()
        return "—" if left is None else left

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj):
        if obj.review_due_date is None:
            return None
        return obj.review_due_date < timezone.localdate()
