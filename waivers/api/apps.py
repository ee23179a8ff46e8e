from django.apps import AppConfig


class WaiversApiConfig(AppConfig):
    """The public API is its own app so its model (ApiKey) and migrations stay
    apart from the waiver record itself."""

    name = "waivers.api"
    label = "waivers_api"
    verbose_name = "Public API"
    default_auto_field = "django.db.models.BigAutoField"
