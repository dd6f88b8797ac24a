from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelemetryConfig(AppConfig):
    name = "telemetry"
    verbose_name = _("Telemetry")

    def ready(self) -> None:
        from instruments.extensions import register_links, register_panel
        from telemetry.links import telemetry_links
        from telemetry.views import status_panel

        register_panel(status_panel)
        register_links(telemetry_links)
