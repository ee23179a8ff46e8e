from django.contrib import admin

from agencies import roles
from agencies.models import Agency, AgencyMembership
from waivers import scope
from waivers.admin.base import ReferenceDataAdmin


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
            queryset = queryset.filter(pk__in=scope.submittable_agencies(request.user))
        return super().get_search_results(request, queryset, search_term)


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
