import posixpath

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import api as account_api
from accounts import views as account_views
from billing import api as billing_api
from billing import api_vouchers, rating_api
from booking import api as booking_api
from booking import credit_api, sample_api
from config import health, metrics
from config.api_docs import ApiDocsView
from config.throttle import throttle_post
from instruments import views as instrument_views
from instruments.api import InstrumentViewSet
from openness import api as openness_api
from openness.api_evaluation import RoundViewSet
from openness.api_flags import FlagViewSet
from telemetry import api as telemetry_api

# Uploads nobody else may read: the results of sample orders are served only by views
# that check who asks (booking.sample_views), never as media.
PRIVATE_MEDIA = ("sample-results/",)


def public_media(request: HttpRequest, path: str) -> HttpResponse:
    # The same normalization as serve(), so that "a/../sample-results/x" is refused too.
    if posixpath.normpath(path).lstrip("/").lower().startswith(PRIVATE_MEDIA):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


admin.site.site_header = _("Instrument Commons administration")
admin.site.site_title = _("Instrument Commons")
admin.site.index_title = _("Administration")

router = DefaultRouter()
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("reservations", booking_api.ReservationViewSet, basename="reservation")
router.register("openness/flags", FlagViewSet, basename="openness-flag")
router.register("openness/rounds", RoundViewSet, basename="openness-round")
router.register("gateways", telemetry_api.GatewayViewSet, basename="gateway")
router.register("credit-marks", credit_api.CreditMarkViewSet, basename="credit-mark")
router.register("ratings", rating_api.RatingViewSet, basename="rating")
router.register("sample-orders", sample_api.SampleOrderViewSet, basename="sample-order")
router.register("rate-cards", billing_api.RateCardViewSet, basename="rate-card")
router.register("charges", billing_api.ChargeViewSet, basename="charge")
router.register("invoices", billing_api.InvoiceViewSet, basename="invoice")
router.register("voucher-programmes", api_vouchers.ProgrammeViewSet, basename="voucher-programme")
router.register("voucher-grants", api_vouchers.GrantViewSet, basename="voucher-grant")
router.register("voucher-claims", api_vouchers.ClaimViewSet, basename="voucher-claim")

urlpatterns = [
    path("", instrument_views.catalog, name="home"),
    path("", include("booking.urls")),
    path("instruments/", include("instruments.urls")),
    path("telemetry/", include("telemetry.urls")),
    path("openness/", include("openness.urls")),
    path("ratings/", include("billing.rating_urls")),
    path("billing/", include("billing.urls")),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/organization/", account_views.organization, name="organization"),
    path("accounts/organization/members/<int:pk>/", account_views.member, name="organization-member"),
    path("accounts/", include("accounts.urls")),  # login and password reset, throttled
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", throttle_post("login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", account_api.obtain_token, name="api-token"),
    path("api/v1/instruments/<int:pk>/availability/", booking_api.AvailabilityView.as_view(), name="api-availability"),
    path("api/v1/availability/", booking_api.FreeSearchView.as_view(), name="api-free-search"),
    path("api/v1/openness/instruments/", openness_api.InstrumentFiguresView.as_view(), name="api-openness-instruments"),
    path("api/v1/openness/regions/", openness_api.RollupView.as_view(), name="api-openness-regions"),
    path("api/v1/ledger/verify/", billing_api.LedgerVerifyView.as_view(), name="api-ledger-verify"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Photos are served by the app itself: small files, few of them, and one process
    # less to configure. A CDN or reverse proxy can take /media/ over unchanged.
    re_path(r"^media/(?P<path>.*)$", public_media),
    # Answered by config.health.ProbesMiddleware before the other middleware; listed here too
    # for their names, and for stacks without that middleware.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.endpoint, name="metrics"),
]

handler500 = "config.unavailable.server_error"  # a middleware that cannot reach the database: 503, not 500
