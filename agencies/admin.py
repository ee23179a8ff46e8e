"""The staff admin of the reference data (agencies) and staff roles, and the
admin pieces every app's admin shares: look-ups that 404 instead of
redirecting, and the reference-list permissions."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404

from agencies import roles
from agencies.models import Agency, AgencyMembership, SeniorAccountableOfficial


class NotFoundInsteadOfRedirect:
    """Django's admin answers an unknown or out-of-scope id with a redirect to
    the index and a message naming the id; ours answers 404 (change, history
    and delete views alike), so nobody can probe for other agencies' ids."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.verbose_name} with that id is visible to you.")

    def _ensure_visible(self, request, object_id) -> None:
        """404 before any permission check, so an out-of-scope id and an
        unknown one answer alike."""
        if self.get_object(request, unquote(object_id)) is None:
            self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._ensure_visible(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)


class ReadOnlyInline(admin.TabularInline):
    """An inline any staff member with a role may read and nobody may change
    (append-only histories, rows recorded elsewhere). Subclasses name `fields`."""

    extra = 0
    can_delete = False
    # A plain table: no row titles (they show database ids), scrollable by keyboard.
    template = "admin/edit_inline/read_only_table.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return roles.has_any_role(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReferenceDataAdmin(NotFoundInsteadOfRedirect, admin.ModelAdmin):
    """Reference lists (agencies, NAICS, PSC): staff with a role read them;
    only superusers change them."""

    def has_module_permission(self, request):
        return roles.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.has_any_role(request.user)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @staticmethod
    def autocomplete_target(request) -> tuple[str, str]:
        """(model_name, field_name) when this is an autocomplete request."""
        return request.GET.get("model_name", ""), request.GET.get("field_name", "")


@admin.register(Agency)
class AgencyAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "kind", "abbreviation", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "code", "abbreviation")
    list_select_related = ("parent",)
    readonly_fields = ("slug",)

    def get_search_results(self, request, queryset, search_term):
        # The waiver form's contracting agency offers only the agencies the
        # user files waivers for (the form refuses any other on save, too).
        if self.autocomplete_target(request) == ("waiver", "contracting_agency"):
            queryset = queryset.filter(pk__in=roles.submittable_agencies(request.user))
        return super().get_search_results(request, queryset, search_term)


@admin.register(SeniorAccountableOfficial)
class SeniorAccountableOfficialAdmin(NotFoundInsteadOfRedirect, admin.ModelAdmin):
    """MIAO reviewers (and superusers) keep each agency's Senior Accountable
    Official for domestic sourcing current; it is public. Only the SAO's name
    and title can be changed here: the rest of the reference list stays the
    superusers' (AgencyAdmin)."""

    list_display = ("name", "code", "kind", "sao_name", "sao_title")
    list_filter = ("kind",)
    search_fields = ("name", "code", "abbreviation", "sao_name")
    list_select_related = ("parent",)
    fields = ("name", "code", "kind", "parent", "sao_name", "sao_title")
    readonly_fields = ("name", "code", "kind", "parent")

    def _may_edit(self, request) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or roles.is_reviewer(request.user)
        )

    def has_module_permission(self, request):
        return self._may_edit(request)

    def has_view_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(admin.ModelAdmin):
    """Superusers grant and revoke staff roles here (or with the grant_role /
    revoke_role commands); the user's staff flag follows their memberships."""

    list_display = ("user", "role", "agency", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "agency__code", "agency__name")
    list_select_related = ("user", "agency")
    autocomplete_fields = ("user", "agency")

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request):
        return self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)

    def save_model(self, request, obj, form, change):
        previous_user = None
        if change:
            previous_user = AgencyMembership.objects.get(pk=obj.pk).user
        super().save_model(request, obj, form, change)
        roles.sync_staff_flag(obj.user)
        if previous_user is not None and previous_user.pk != obj.user_id:
            roles.sync_staff_flag(previous_user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        roles.sync_staff_flag(user)

    def delete_queryset(self, request, queryset):
        users = list({m.user for m in queryset.select_related("user")})
        super().delete_queryset(request, queryset)
        for user in users:
            roles.sync_staff_flag(user)
