from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from billing.rating_views import rate_links, ratings_panel, to_rate_panel
        from billing.ratings import attach_rating_summaries
        from booking.extensions import register_my_bookings_panel, register_reservation_links
        from instruments.extensions import register_api_figures, register_panel

        register_panel(ratings_panel)
        register_api_figures(attach_rating_summaries)
        register_reservation_links(rate_links)
        register_my_bookings_panel(to_rate_panel)

        from billing.rate_views import rate_card_links, rates_panel
        from instruments.extensions import register_links

        register_links(rate_card_links)
        register_panel(rates_panel)

        from billing.estimate_views import estimate_panel
        from booking.extensions import register_booking_form_panel

        register_booking_form_panel(estimate_panel)
