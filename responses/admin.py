"""Supplier responses in the staff admin: the "Supplier responses" list and
each response's page (read-only), scoped exactly as waivers are
(responses.scope); outcomes are recorded on a page of their own through
responses.services.record_outcome, which writes their history and audit."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from agencies import roles
from agencies.admin import NotFoundInsteadOfRedirect, ReadOnlyInline
from responses import scope, services
from responses.forms import OutcomeForm
from responses.models import OutcomeChange, SupplierResponse
from waivers.admin.filters import AgencyFilter


class ResponseAgencyFilter(AgencyFilter):
    agency_path = "waiver__contracting_agency"


class OutcomeHistoryInline(ReadOnlyInline):
    """The append-only outcome history, read-only for everyone."""

    model = OutcomeChange
    fields = ("at", "from_outcome", "to_outcome", "actor", "note")
    verbose_name_plural = "outcome history"


@admin.register(SupplierResponse)
class SupplierResponseAdmin(NotFoundInsteadOfRedirect, admin.ModelAdmin):
    change_form_template = "admin/responses/supplierresponse/change_form.html"
    list_display = (
        "company_name",
        "waiver_link",
        "agency",
        "state",
        "us_content_percent",
        "outcome",
        "confirmed_at",
    )
    list_filter = ("outcome", ResponseAgencyFilter, "state")
    search_fields = ("company_name", "=uei", "=cage_code", "=waiver__public_id")
    list_select_related = ("waiver__contracting_agency",)
    actions = None
    show_full_result_count = False
    inlines = (OutcomeHistoryInline,)
    fieldsets = (
        ("Waiver", {"fields": ("waiver_link", "confirmed_at", "outcome", "outcome_note")}),
        (
            "Company",
            {"fields": ("company_name", "uei", "cage_code", "city", "state", "public_consent")},
        ),
        (
            "What they can supply",
            {
                "fields": (
                    "capability",
                    "us_content_percent",
                    "lead_time",
                    "capacity",
                    "product_url",
                )
            },
        ),
        ("Contact", {"fields": ("contact_name", "contact_email", "contact_phone")}),
    )
    readonly_fields = (
        "waiver_link",
        "confirmed_at",
        "outcome",
        "outcome_note",
        "company_name",
        "uei",
        "cage_code",
        "city",
        "state",
        "public_consent",
        "capability",
        "us_content_percent",
        "lead_time",
        "capacity",
        "product_url",
        "contact_name",
        "contact_email",
        "contact_phone",
    )

    # --- scope and permissions: responses.scope; nobody adds, edits or deletes ------

    def get_queryset(self, request):
        return scope.visible_responses(request.user, super().get_queryset(request))

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

    @admin.display(description="waiver", ordering="waiver__public_id")
    def waiver_link(self, obj):
        url = reverse("admin:waivers_waiver_change", args=[obj.waiver_id])
        return format_html('<a href="{}">{}</a>', url, obj.waiver.public_id)

    @admin.display(description="agency", ordering="waiver__contracting_agency__name")
    def agency(self, obj):
        return obj.waiver.contracting_agency.display_name

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_record_outcome"] = obj is not None and scope.can_record_outcome(
            request.user, obj
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- recording an outcome ----------------------------------------------------

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/outcome/",
                self.admin_site.admin_view(self.outcome_view),
                name="responses_supplierresponse_outcome",
            ),
        ]
        return custom + super().get_urls()

    def outcome_view(self, request, object_id):
        self._ensure_visible(request, object_id)  # 404 outside the user's scope
        response = self.get_object(request, unquote(object_id))
        change_url = reverse("admin:responses_supplierresponse_change", args=[response.pk])
        if not scope.can_record_outcome(request.user, response):
            raise PermissionDenied("Your role does not allow recording outcomes.")
        form = OutcomeForm(
            request.POST if request.method == "POST" else None,
            initial={"outcome": response.outcome},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_outcome(
                    response,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Outcome recorded for {response.company_name}: "
                    f"{response.get_outcome_display().lower()}.",
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Record outcome: {response.company_name}",
            "response": response,
            "original": response,
            "form": form,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/responses/supplierresponse/outcome.html", context)
