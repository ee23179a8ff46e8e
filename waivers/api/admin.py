from django.contrib import admin
from django.template.response import TemplateResponse

from waivers.api.models import ApiKey, new_raw_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff issue keys here. The raw key is generated on save and shown once,
    on the page that confirms the creation; only its hash is stored."""

    list_display = (
        "name",
        "owner",
        "contact_email",
        "prefix",
        "is_active",
        "created_at",
        "last_used_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "owner", "contact_email", "prefix")
    fields = ("name", "owner", "contact_email", "is_active", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if not change:
            raw_key = new_raw_key()
            obj.set_raw_key(raw_key)
            # Kept on the request only, for the confirmation page below.
            request._api_key_raw = raw_key
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(request, "_api_key_raw", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API key created",
            "api_key": obj,
            "raw_key": raw_key,
        }
        response = TemplateResponse(request, "admin/waivers_api/apikey/key_created.html", context)
        response["Cache-Control"] = "no-store"
        return response
