"""Gateways over REST, for lab managers (and platform admins): register, bind and unbind
instruments by code, rotate the secret, revoke. Every write is a telemetry service, so
the permission rules are the same as on the gateway pages."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from instruments.models import Instrument, Lab
from instruments.permissions import managed_labs
from telemetry import services
from telemetry.models import Gateway
from telemetry.serializers import (
    GatewayCreateSerializer,
    GatewaySecretSerializer,
    GatewaySerializer,
    InstrumentCodeSerializer,
)

UNKNOWN_LAB = _("No lab «%(value)s»: give its id, or its institution's code and its code, as NJU/ac.")
UNKNOWN_INSTRUMENT = _("No instrument «%(value)s» at %(institution)s.")
NOT_BOUND = _("Instrument «%(value)s» is not bound to this gateway.")


class ManagesALab(permissions.BasePermission):
    """Gateways belong to labs: only people who manage one have any to see."""

    message = services.GATEWAY_DENIED

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and managed_labs(request.user).exists())


def _lab(value: str) -> Lab:
    labs = Lab.objects.select_related("institution")
    institution, slash, code = value.partition("/")
    found = (
        labs.filter(institution__code=institution, code=code).first()
        if slash
        else labs.filter(pk=int(value)).first()
        if value.isdigit() and len(value) <= 18  # beyond that it is no id, and no bigint either
        else None
    )
    if found is None:
        raise ValidationError({"lab": [UNKNOWN_LAB % {"value": value}]})
    return found


def _no_store(response: Response) -> Response:
    # The secret is in this answer only: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


class GatewayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Gateways of the labs you manage."""

    serializer_class = GatewaySerializer
    permission_classes = [ManagesALab]
    lookup_field = "code"
    filterset_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Gateway.objects.none()
        return (
            Gateway.objects.filter(lab__in=managed_labs(self.request.user))
            .select_related("lab__institution", "status")
            .prefetch_related("bindings__instrument")
        )

    @extend_schema(request=GatewayCreateSerializer, responses={201: GatewaySecretSerializer})
    def create(self, request):
        """Register a gateway; the answer holds its secret, this once."""
        data = GatewayCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        gateway, secret = services.gateway_register(lab=_lab(fields.pop("lab")), by=request.user, **fields)
        return _no_store(Response(self._with_secret(gateway, secret), status=status.HTTP_201_CREATED))

    @extend_schema(request=InstrumentCodeSerializer, responses=GatewaySerializer)
    @action(detail=True, methods=["post"])
    def bind(self, request, code=None):
        """Let this gateway report for an instrument (moving it from another gateway)."""
        gateway = self.get_object()
        value = self._instrument_code(request)
        instrument = Instrument.objects.filter(code=value, institution=gateway.lab.institution_id).first()
        if instrument is None:
            raise ValidationError(
                {"instrument": [UNKNOWN_INSTRUMENT % {"value": value, "institution": gateway.lab.institution.code}]}
            )
        services.instrument_bind(instrument=instrument, gateway=gateway, by=request.user)
        return Response(self._out(gateway))

    @extend_schema(request=InstrumentCodeSerializer, responses=GatewaySerializer)
    @action(detail=True, methods=["post"])
    def unbind(self, request, code=None):
        gateway = self.get_object()
        value = self._instrument_code(request)
        instrument = Instrument.objects.filter(code=value, binding__gateway=gateway).first()
        if instrument is None:
            raise ValidationError({"instrument": [NOT_BOUND % {"value": value}]})
        services.instrument_unbind(instrument=instrument, by=request.user)
        return Response(self._out(gateway))

    @extend_schema(request=None, responses=GatewaySecretSerializer)
    @action(detail=True, methods=["post"])
    def rotate(self, request, code=None):
        """A new secret, answered this once; the old one stops working."""
        gateway = self.get_object()
        secret = services.gateway_rotate(gateway=gateway, by=request.user)
        return _no_store(Response(self._with_secret(gateway, secret)))

    @extend_schema(request=None, responses=GatewaySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, code=None):
        """The broker refuses the gateway and the server ignores it; its bindings go."""
        gateway = services.gateway_revoke(gateway=self.get_object(), by=request.user)
        return Response(self._out(gateway))

    def _instrument_code(self, request) -> str:
        data = InstrumentCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data["instrument"]

    def _out(self, gateway: Gateway) -> dict:
        return GatewaySerializer(self.get_queryset().get(pk=gateway.pk)).data

    def _with_secret(self, gateway: Gateway, secret: str) -> dict:
        return {**self._out(gateway), "secret": secret}
