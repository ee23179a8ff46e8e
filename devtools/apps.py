from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Management commands for development and benchmarking only; no models,
    no URLs of the site."""

    name = "devtools"
    verbose_name = "Development tools"
