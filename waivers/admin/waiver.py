"""The waiver admin: agency staff draft, submit, amend, withdraw and decide;
MIAO reviewers review. Every look-up is scoped by waivers.scope, every write
goes through waivers.services (which audits it), and the form carries the
waiver's version so a stale save is refused."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from agencies import roles
from agencies.admin import NotFoundInsteadOfRedirect
from waivers import scope, services, validation, workflow
from waivers.models import Waiver, WaiverAuditEntry

from . import actions, transitions
from .filters import AgencyFilter
from .forms import WaiverForm
from .inlines import inlines_for

LIFECYCLE_FIELDS = (
    "public_id",
    "waiver_type",
    "status",
    "version",
    "submitted_at",
    "review_due_date",
    "determination",
    "determination_conditions",
    "determination_explanation",
    "determined_at",
    "final_decision",
    "final_decision_date",
    "withdrawn_at",
    "supplier_response_count",
)


# One sentence per type on the "Which kind of waiver?" page, so staff choose
# knowing what each asks for.
TYPE_EXPLANATIONS = {
    Waiver.Type.NONAVAILABILITY: (
        "The item is not made in the United States in enough quantity or of a "
        "satisfactory quality (FAR 25.103(b)); asked before the contract is awarded."
    ),
    Waiver.Type.UNREASONABLE_COST: (
        "A domestic offer exists but costs more than the price preference allows "
        "(FAR 25.106); you give the lowest domestic and foreign offers and the price "
        "test is computed for you."
    ),
    Waiver.Type.PUBLIC_INTEREST: (
        "Buying the domestic item would be inconsistent with the public interest "
        "(FAR 25.103(a)); you explain why."
    ),
    Waiver.Type.URGENT_REPORT: (
        "A report filed after an urgent award made without a prior waiver review "
        "(E.O. 14005 §4); you give the contract and why it could not wait."
    ),
    Waiver.Type.JONES_ACT: (
        "Permission for a foreign-flag vessel to carry cargo between U.S. ports "
        "(46 U.S.C. 501); you give the vessel, the voyage and MARAD's finding."
    ),
}


@admin.register(Waiver)
class WaiverAdmin(NotFoundInsteadOfRedirect, admin.ModelAdmin):
    form = WaiverForm
    # A link typed without a scheme is read as https (Django 6.0's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "public_id",
        "procurement_title",
        "waiver_type",
        "status",
        "contracting_agency",
        "submitted_at",
        "review_due_date",
    )
    list_filter = ("status", "waiver_type", AgencyFilter, "determination", "is_test_record")
    search_fields = ("public_id", "procurement_title", "solicitation_id", "source_id")
    list_select_related = ("contracting_agency",)
    autocomplete_fields = ("contracting_agency", "funding_agency", "naics", "psc")
    actions = (actions.export_csv, actions.start_review, actions.delete_selected)
    show_full_result_count = False
    fieldsets = (
        (
            "Procurement",
            {
                "fields": (
                    "contracting_agency",
                    "funding_agency",
                    "procurement_title",
                    "summary",
                    "procurement_stage",
                    "sources_sought",
                    "piids",
                    "solicitation_id",
                    "price_preference_included",
                    "naics",
                    "psc",
                )
            },
        ),
        (
            "Waiver",
            {
                "fields": (
                    "coverage",
                    "rationale",
                    "expected_duration",
                    "countries",
                    "start_date",
                    "expiration_date",
                    "public_interest_justification",
                    "cost_advantage_assessment",
                    "public_comment_link",
                )
            },
        ),
        (
            "End product (unknown is kept apart from no)",
            {"fields": ("end_product_cots", "end_product_critical", "end_product_iron_steel")},
        ),
    )
    lifecycle_fieldset = (
        "Status (changed only by the buttons above)",
        {
            "fields": (
                "public_id",
                "waiver_type",
                "status",
                "submitted_at",
                "review_due_date",
                "determination",
                "determination_conditions",
                "determination_explanation",
                "final_decision",
                "final_decision_date",
                "withdrawn_at",
                "supplier_response_count",
                "version",
            )
        },
    )

    # --- scope and permissions ----------------------------------------------------

    def get_queryset(self, request):
        return scope.visible_waivers(request.user, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        unsearched = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper()
        if term:  # exact PIID matches too (served by waiver_piids_gin)
            queryset |= unsearched.filter(piids__contains=[term])
        return queryset, may_have_duplicates

    def has_module_permission(self, request):
        return roles.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.has_any_role(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(
            roles.agency_ids(request.user, roles.Role.AGENCY_SUBMITTER)
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_add_permission(request)
        return scope.can_change_content(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.is_superuser
        return scope.can(request.user, workflow.DELETE, obj)

    def has_review_permission(self, request):
        return request.user.is_superuser or roles.is_reviewer(request.user)

    def get_actions(self, request):
        found = super().get_actions(request)
        if not request.user.is_superuser:
            found.pop("delete_selected", None)
        return found

    # --- the form --------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        waiver_type = obj.waiver_type if obj is not None else self._requested_type(request)
        fieldsets = [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        f for f in options["fields"] if validation.applies_to(f, waiver_type)
                    ),
                },
            )
            for name, options in self.fieldsets
        ]
        fieldsets = [(name, options) for name, options in fieldsets if options["fields"]]
        if obj is None:
            return fieldsets
        fieldsets.append(self.lifecycle_fieldset)
        if scope.can_change_content(request.user, obj):
            if obj.status != Waiver.Status.DRAFT:
                fieldsets.append(("Amendment", {"fields": ("amendment_reason",)}))
            fieldsets.append((None, {"fields": ("expected_version",), "classes": ("hidden",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return LIFECYCLE_FIELDS if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        attrs = {
            "user": request.user,
            "waiver_type": obj.waiver_type if obj is not None else self._requested_type(request),
            "require_complete": "_submit" in request.POST,
        }
        return type("ScopedWaiverForm", (base,), attrs)

    def get_inlines(self, request, obj):
        waiver_type = obj.waiver_type if obj is not None else self._requested_type(request)
        inlines = inlines_for(waiver_type)
        # No history and no responses before saving.
        return inlines if obj is not None else inlines[:-2]

    @staticmethod
    def _requested_type(request) -> str | None:
        value = request.GET.get("waiver_type", "")
        return value if value in Waiver.Type.values else None

    # --- add: choose the type first ------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if self._requested_type(request) is None:
            if not self.has_add_permission(request):
                return super().add_view(request, form_url, extra_context)  # 403
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Which kind of waiver?",
                "types": [
                    (value, label, TYPE_EXPLANATIONS[value]) for value, label in Waiver.Type.choices
                ],
            }
            return TemplateResponse(request, "admin/waivers/waiver/choose_type.html", context)
        extra_context = {
            **(extra_context or {}),
            "title": f"New {Waiver.Type(self._requested_type(request)).label} waiver",
        }
        return super().add_view(request, form_url, extra_context)

    # --- saving: one service call for the waiver and its inline rows -------------------

    def save_model(self, request, obj, form, change):
        """Deferred to save_related, where the inline rows are known, so the
        waiver and its details are saved (and audited) by one service call."""

    def save_related(self, request, form, formsets, change):
        details = []
        for formset in formsets:
            details.extend(formset.save(commit=False))
        waiver = form.instance
        if not change:
            fields = {name: getattr(waiver, name) for name in services.CONTENT_FIELDS}
            created = services.create_draft(
                actor=request.user,
                waiver_type=self._requested_type(request),
                details=details,
                **fields,
            )
            waiver.pk, waiver.public_id = created.pk, created.public_id
            waiver.waiver_type, waiver.version = created.waiver_type, created.version
            waiver._state.adding = False
        elif waiver.status == Waiver.Status.DRAFT:
            services.update_draft(
                waiver,
                actor=request.user,
                details=details,
                expected_version=form.cleaned_data["expected_version"],
            )
        else:
            services.amend(
                waiver,
                actor=request.user,
                details=details,
                expected_version=form.cleaned_data["expected_version"],
                reason=form.cleaned_data["amendment_reason"],
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleEdit as error:
            # Someone saved between our form check and the locked write: the
            # transaction was rolled back, nothing of this edit was kept.
            messages.error(request, str(error))
        except (ValidationError, services.WaiverError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return HttpResponseRedirect(request.get_full_path())

    def _after_save(self, request, obj, response):
        if "_submit" in request.POST:
            return HttpResponseRedirect(
                reverse("admin:waivers_waiver_transition", args=[obj.pk, workflow.SUBMIT])
            )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_save(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._after_save(request, obj, super().response_change(request, obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["transitions"] = transitions.available(request.user, obj) if obj else []
        context["can_submit_after_save"] = (add and self.has_add_permission(request)) or (
            obj is not None and scope.can(request.user, workflow.SUBMIT, obj)
        )
        context["is_posted"] = obj is not None and obj.status != Waiver.Status.DRAFT
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- deletion: recorded -------------------------------------------------------------

    def delete_model(self, request, obj):
        services.delete_waiver(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        if not request.user.is_superuser:  # pragma: no cover - action hidden from others
            raise Http404
        for waiver in queryset:
            services.delete_waiver(waiver, actor=request.user, reason="bulk delete")

    # --- history: the audit trail --------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        obj = self.get_object(request, unquote(object_id))
        entries = WaiverAuditEntry.objects.filter(waiver_id=obj.pk).select_related("actor")
        status_changes = obj.status_changes.select_related("actor")
        extra_context = {
            **(extra_context or {}),
            "audit_entries": entries,
            "status_changes": status_changes,
        }
        return super().history_view(request, object_id, extra_context)

    # --- transitions ---------------------------------------------------------------------

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition),
                name="waivers_waiver_transition",
            ),
        ]
        return custom + super().get_urls()

    def transition(self, request, object_id, action):
        if action not in transitions.TRANSITIONS:
            raise Http404("No such transition.")
        self._ensure_visible(request, object_id)
        obj = self.get_object(request, unquote(object_id))
        return transitions.transition_view(self, request, obj, action)
