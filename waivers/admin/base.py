"""Shared pieces of the staff admin: scoped look-ups that 404 (never redirect
or leak) and read-only admin behaviour."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404

from waivers import scope


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to any staff member with a role; nobody adds, changes or deletes."""

    def has_module_permission(self, request):
        return scope.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return scope.has_any_role(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReferenceDataAdmin(NotFoundInsteadOfRedirect, admin.ModelAdmin):
    """Reference lists (agencies, NAICS, PSC): staff with a role read them;
    only superusers change them."""

    def has_module_permission(self, request):
        return scope.has_any_role(request.user)

    def has_view_permission(self, request, obj=None):
        return scope.has_any_role(request.user)

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
