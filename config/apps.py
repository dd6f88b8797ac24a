from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project-wide wiring: templates, static files and commands that span apps."""

    name = "config"
    verbose_name = "Instrument Commons"
