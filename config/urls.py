from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from accounts import views as account_views
from booking import api as booking_api
from instruments import views as instrument_views
from instruments.api import InstrumentViewSet
from openness import api as openness_api
from openness.api_evaluation import RoundViewSet
from openness.api_flags import FlagViewSet
from telemetry import api as telemetry_api

router = DefaultRouter()
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("reservations", booking_api.ReservationViewSet, basename="reservation")
router.register("openness/flags", FlagViewSet, basename="openness-flag")
router.register("openness/rounds", RoundViewSet, basename="openness-round")
router.register("gateways", telemetry_api.GatewayViewSet, basename="gateway")

urlpatterns = [
    path("", instrument_views.catalog, name="home"),
    path("", include("booking.urls")),
    path("instruments/", include("instruments.urls")),
    path("telemetry/", include("telemetry.urls")),
    path("openness/", include("openness.urls")),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/organization/", account_views.organization, name="organization"),
    path("accounts/organization/members/<int:pk>/", account_views.member, name="organization-member"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/v1/instruments/<int:pk>/availability/", booking_api.AvailabilityView.as_view(), name="api-availability"),
    path("api/v1/availability/", booking_api.FreeSearchView.as_view(), name="api-free-search"),
    path("api/v1/openness/instruments/", openness_api.InstrumentFiguresView.as_view(), name="api-openness-instruments"),
    path("api/v1/openness/regions/", openness_api.RollupView.as_view(), name="api-openness-regions"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Photos are served by the app itself: small files, few of them, and one process
    # less to configure. A CDN or reverse proxy can take /media/ over unchanged.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
