"""Change-list filters of the staff admin."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency


class AgencyFilter(admin.SimpleListFilter):
    """Contracting agency by department (covering its sub-tiers) or sub-tier,
    listing only agencies that have waivers the user can see."""

    title = "agency"
    parameter_name = "agency"
    # The path from the listed model to the waiver's contracting agency.
    agency_path = "contracting_agency"

    def lookups(self, request, model_admin):
        visible = model_admin.get_queryset(request)
        ids = visible.order_by().values(f"{self.agency_path}_id").distinct()
        agencies = Agency.objects.filter(pk__in=ids).select_related("parent")
        departments = {a.parent for a in agencies if a.parent_id}
        choices = [(d.code, f"{d.display_name} (all)") for d in departments]
        choices += [(a.code, f"— {a.display_name}") for a in agencies]
        return sorted(choices, key=lambda choice: choice[1].lstrip("— "))

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        path = self.agency_path
        return queryset.filter(Q(**{f"{path}__code": code}) | Q(**{f"{path}__parent__code": code}))


class OverdueFilter(admin.SimpleListFilter):
    title = "review clock"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", "Overdue"), ("no", "On time"))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(review_due_date__lt=today)
        if self.value() == "no":
            return queryset.exclude(review_due_date__lt=today)
        return queryset
