from django.contrib import admin

from agencies.models import Agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "abbreviation", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "code", "abbreviation")
    list_select_related = ("parent",)
    readonly_fields = ("slug",)
