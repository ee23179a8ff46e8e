"""Shared pieces of the staff admin: read-only admin behaviour (scoped
look-ups that 404 come from agencies.admin.NotFoundInsteadOfRedirect)."""

from django.contrib import admin

from agencies import roles


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to any staff member with a role; nobody adds, changes or deletes."""

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
