from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from booking.links import booking_links, booking_rules_panel
        from instruments.extensions import register_links, register_panel

        register_links(booking_links)
        register_panel(booking_rules_panel)

        from accounts.signals import first_login
        from booking.notifications import caught_up_at_first_login

        first_login.connect(caught_up_at_first_login, dispatch_uid="booking.first_login")
