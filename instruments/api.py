from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from instruments import services
from instruments.extensions import instrument_api_figures
from instruments.filters import InstrumentFilter
from instruments.models import Instrument
from instruments.permissions import can_edit_instrument
from instruments.selectors import instrument_catalog
from instruments.serializers import InstrumentDetailSerializer, InstrumentListSerializer, InstrumentWriteSerializer


class CatalogReadOrAuthenticated(permissions.BasePermission):
    """The catalog is public; writing needs an account (the service checks which labs)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class InstrumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Instruments in the public catalog. Lab managers create and edit their own."""

    permission_classes = [CatalogReadOrAuthenticated]
    filterset_class = InstrumentFilter

    def get_queryset(self):
        return instrument_catalog()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            instrument_api_figures(page)  # figures of other apps (ratings), one query each for the page
        return page

    def get_object(self):
        instrument = super().get_object()
        instrument_api_figures([instrument])
        return instrument

    def get_serializer_class(self):
        if self.action == "list":
            return InstrumentListSerializer
        if self.action in ("create", "update", "partial_update"):
            return InstrumentWriteSerializer
        return InstrumentDetailSerializer

    @extend_schema(responses=InstrumentDetailSerializer)
    def create(self, request, *args, **kwargs):
        serializer = InstrumentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instrument = services.instrument_create(by=request.user, **serializer.validated_data)
        return Response(self._detail(instrument), status=201)

    @extend_schema(responses=InstrumentDetailSerializer)
    def update(self, request, *args, **kwargs):
        # DRF's lookup: an id that is not a number is a 404, as in every other detail view.
        instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), pk=kwargs["pk"])
        if not can_edit_instrument(request.user, instrument):
            raise PermissionDenied(services.EDIT_DENIED)
        partial = kwargs.pop("partial", False)
        serializer = InstrumentWriteSerializer(instrument, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instrument = services.instrument_update(instrument=instrument, by=request.user, **serializer.validated_data)
        return Response(self._detail(instrument))

    @extend_schema(responses=InstrumentDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def _detail(self, instrument: Instrument) -> dict:
        fresh = instrument_catalog().get(pk=instrument.pk)
        instrument_api_figures([fresh])
        return InstrumentDetailSerializer(fresh, context=self.get_serializer_context()).data
