"""REST for sample orders (委托测试): /api/v1/sample-orders/."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from booking import samples, selectors
from booking.models import SampleOrder
from booking.sample_views import results_response
from booking.serializers import (
    ReasonSerializer,
    RejectReasonSerializer,
    SampleOrderCompleteSerializer,
    SampleOrderCreateSerializer,
    SampleOrderSerializer,
)
from booking.services import TransitionNotAllowed

WRONG_STATUS = OpenApiResponse(description="the order's status does not allow this (detail says why)")


class SampleOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sample orders. The list holds yours, your labs' (lab managers) and your
    organization's (its admins); regulators may retrieve the orders of their region."""

    serializer_class = SampleOrderSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "instrument"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return SampleOrder.objects.none()
        if self.action == "list":
            return selectors.my_sample_orders(self.request.user)
        return selectors.sample_orders_visible_to(self.request.user)

    @extend_schema(request=SampleOrderCreateSerializer, responses={201: SampleOrderSerializer})
    def create(self, request):
        serializer = SampleOrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = samples.sample_order_create(requester=request.user, **serializer.validated_data)
        return Response(self._out(order), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SampleOrderSerializer, 409: WRONG_STATUS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return Response(self._out(samples.sample_order_accept(order=self.get_object(), by=request.user)))

    @extend_schema(request=RejectReasonSerializer, responses={200: SampleOrderSerializer, 409: WRONG_STATUS})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        order = self._decided_by_me(samples.DECIDE_DENIED)
        reason = RejectReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        order = samples.sample_order_reject(order=order, by=request.user, reason=reason.validated_data["reason"])
        return Response(self._out(order))

    @extend_schema(request=ReasonSerializer, responses={200: SampleOrderSerializer, 409: WRONG_STATUS})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        order = samples.sample_order_cancel(order=order, by=request.user, reason=reason.validated_data["reason"])
        return Response(self._out(order))

    @extend_schema(
        request={"multipart/form-data": SampleOrderCompleteSerializer},
        responses={200: SampleOrderSerializer, 409: WRONG_STATUS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def complete(self, request, pk=None):
        order = self._decided_by_me(samples.COMPLETE_DENIED)
        upload = SampleOrderCompleteSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        order = samples.sample_order_complete(
            order=order, by=request.user, results_file=upload.validated_data["results"],
            note=upload.validated_data["note"],
        )  # fmt: skip
        return Response(self._out(order))

    @extend_schema(request=None, responses={200: SampleOrderSerializer, 409: WRONG_STATUS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return Response(self._out(samples.sample_order_confirm(order=self.get_object(), by=request.user)))

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The results file, for the customer (the requester and their organization's
        admins) and the lab's managers."""
        order = self.get_object()
        if not selectors.can_download_results(request.user, order):
            raise PermissionDenied(str(samples.DOWNLOAD_DENIED))
        return results_response(order)

    def _decided_by_me(self, message) -> SampleOrder:
        # The permission before the input: a stranger hears "not yours", not "reason missing".
        order = self.get_object()
        if not selectors.can_decide_sample_order(self.request.user, order):
            raise PermissionDenied(str(message))
        return order

    def _out(self, order: SampleOrder) -> dict:
        fresh = selectors.sample_orders_visible_to(self.request.user).get(pk=order.pk)
        return SampleOrderSerializer(fresh, context=self.get_serializer_context()).data

    def handle_exception(self, exc):
        if isinstance(exc, TransitionNotAllowed):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)
