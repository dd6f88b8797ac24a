import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import credit, selectors, services, windows
from booking.availability import load_calendar
from booking.free_search import instruments_free
from booking.models import Reservation
from booking.serializers import (
    ApprovalNoteSerializer,
    AvailabilitySerializer,
    ReasonSerializer,
    ReservationCreateSerializer,
    ReservationSerializer,
)
from config.throttle import DoorThrottle
from instruments.filters import InstrumentFilter
from instruments.models import Instrument
from instruments.selectors import instrument_catalog

WINDOW_PARAMETERS = [
    OpenApiParameter("from", str, description="start, ISO 8601 date or time (default: today)"),
    OpenApiParameter("to", str, description="end, ISO 8601 (default: 7 days later; at most 62 days)"),
]

MIN_MINUTES = OpenApiParameter(
    "min_minutes", int, description="a free window at least this long, 0–89280; instruments whose longest booking is "
    "shorter are left out",
)  # fmt: skip


def _window(params) -> tuple[dt.datetime, dt.datetime]:
    try:
        return windows.window(params)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


def _availability(calendar, start, end) -> dict:
    free = calendar.free(start, end)
    return {
        "instrument": calendar.instrument, "start": start, "end": end, "bookable": calendar.policy is not None,
        "free": free, "busy": calendar.busy(start, end),
    }  # fmt: skip


class AvailabilityView(APIView):
    """Free and busy time of one instrument. Public: busy time carries no names."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=WINDOW_PARAMETERS, responses=AvailabilitySerializer)
    def get(self, request, pk: int):
        instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), pk=pk)
        start, end = _window(request.query_params)
        return Response(AvailabilitySerializer(_availability(load_calendar(instrument, start, end), start, end)).data)


class FreeSearchView(generics.GenericAPIView):
    """Instruments free for at least `min_minutes` in the window, with the catalog's filters."""

    permission_classes = [permissions.AllowAny]
    serializer_class = AvailabilitySerializer
    queryset = Instrument.objects.none()
    filter_backends: list = []  # the catalog filters are applied below, with the window

    @extend_schema(
        parameters=[*WINDOW_PARAMETERS, MIN_MINUTES, OpenApiParameter("category", str),
                    OpenApiParameter("region", str), OpenApiParameter("q", str)],
        responses=AvailabilitySerializer(many=True),
    )  # fmt: skip
    def get(self, request):
        start, end = _window(request.query_params)
        filters = InstrumentFilter(request.query_params, queryset=instrument_catalog())
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        try:
            minimum = windows.least_minutes(request.query_params.get("min_minutes", ""), "min_minutes")
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        page = self.paginate_queryset(instruments_free(filters.qs, start, end, minimum=minimum))
        # Only the page's instruments are loaded as such.
        instruments = Instrument.objects.in_bulk([hit.instrument_id for hit in page])
        found = [
            {"instrument": instruments[hit.instrument_id], "start": start, "end": end, "bookable": True,
             "free": hit.free, "busy": hit.busy}
            for hit in page
        ]  # fmt: skip
        return self.get_paginated_response(AvailabilitySerializer(found, many=True).data)


class ReservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reservations you may see. The list holds yours and, for lab managers, those
    awaiting their decision; ?scope=all lists everything you may see (regulators)."""

    serializer_class = ReservationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["status", "instrument"]
    throttle_door = "booking"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Reservation.objects.none()
        user = self.request.user
        visible = selectors.reservations_visible_to(user).prefetch_related("history__by")
        if self.action == "list" and self.request.query_params.get("scope") != "all":
            awaiting = selectors.inbox(user).values("pk")
            return visible.filter(Q(requester=user) | Q(pk__in=awaiting))
        return visible

    @extend_schema(
        parameters=[OpenApiParameter("scope", str, enum=["mine", "all"])], responses=ReservationSerializer(many=True)
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            # The requesters' credit for the whole page from one query (requester_record).
            self.requester_records = credit.credit_standings({r.requester_id: r.requester for r in page}.values())
        return page

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "requester_records": getattr(self, "requester_records", {})}

    def get_throttles(self) -> list:
        # Only new bookings are throttled; reading and deciding are not.
        return [DoorThrottle()] if self.action == "create" else []

    @extend_schema(request=ReservationCreateSerializer, responses={201: ReservationSerializer})
    def create(self, request):
        serializer = ReservationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reservation = services.reservation_create(requester=request.user, **serializer.validated_data)
        # Answered from the objects in hand: the requester sees their own booking, so it is not
        # read back through the visibility query, and its history is what was just written.
        reservation.organization = request.user.organization
        reservation._prefetched_objects_cache = {"history": reservation.history_written}
        lab = reservation.instrument.lab
        decides = selectors.can_decide(request.user, reservation, managers=reservation.managers_told)
        context = {**self.get_serializer_context(), "_decides_for_lab": {lab.pk: decides}}
        data = ReservationSerializer(reservation, context=context).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApprovalNoteSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        note = ApprovalNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        reservation = services.reservation_approve(
            reservation=self.get_object(), by=request.user, note=note.validated_data["note"]
        )
        return Response(self._out(reservation))

    @extend_schema(request=ReasonSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._with_reason(services.reservation_reject)

    @extend_schema(request=ReasonSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._with_reason(services.reservation_cancel)

    def _with_reason(self, change) -> Response:
        reason = ReasonSerializer(data=self.request.data)
        reason.is_valid(raise_exception=True)
        reservation = change(
            reservation=self.get_object(), by=self.request.user, reason=reason.validated_data["reason"]
        )
        return Response(self._out(reservation))

    def _out(self, reservation: Reservation) -> dict:
        fresh = selectors.reservations_visible_to(self.request.user).get(pk=reservation.pk)
        return ReservationSerializer(fresh, context=self.get_serializer_context()).data

    def handle_exception(self, exc):
        # Domain errors of the booking service, as the REST contract wants them.
        if isinstance(exc, services.BookingInvalid):
            exc = ValidationError(exc.by_field())
        elif isinstance(exc, services.BookingConflict):
            conflicts = [
                {"start": timezone.localtime(c.start).isoformat(), "end": timezone.localtime(c.end).isoformat()}
                for c in exc.clashes
            ]
            return Response({"detail": exc.message, "conflicts": conflicts}, status=status.HTTP_409_CONFLICT)
        elif isinstance(exc, services.TransitionNotAllowed):
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)
