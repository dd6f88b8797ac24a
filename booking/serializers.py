from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking import credit
from booking.credit_api import CreditRecordSerializer
from booking.models import Reservation, ReservationEvent, SampleOrder
from booking.sample_files import RESULTS_EMPTY, RESULTS_REQUIRED, display_name
from booking.samples import DESCRIPTION_REQUIRED, MAX_COST_CENTRE, MAX_SAMPLES, MAX_TEXT, SAMPLES_FIELD_ERRORS
from booking.selectors import can_confirm_sample_order, can_decide, can_decide_sample_order, can_download_results
from booking.services import REASON_REQUIRED
from config.api import ModelSerializer, Serializer
from instruments.models import Instrument


class SpanSerializer(Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilitySerializer(Serializer):
    instrument = serializers.IntegerField(source="instrument.pk")
    code = serializers.CharField(source="instrument.code")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    bookable = serializers.BooleanField()
    free = SpanSerializer(many=True)
    busy = SpanSerializer(many=True)


class InstrumentBriefSerializer(ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["id", "code", "name_zh", "name_en"]


class EventSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", default=None, allow_null=True, read_only=True)  # None: the system

    class Meta:
        model = ReservationEvent
        fields = ["from_status", "to_status", "by", "at", "reason"]


class ReservationSerializer(ModelSerializer):
    instrument = InstrumentBriefSerializer(read_only=True)
    requester = serializers.CharField(source="requester.username", read_only=True)
    organization = serializers.CharField(source="organization.code", read_only=True)
    history = EventSerializer(many=True, read_only=True)
    can_decide = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(
        choices=["completed", "no_show", "unverified"], read_only=True, allow_null=True,
        help_text="once settled: completed or no_show as measured by telemetry, unverified without a reporting "
        "gateway (completed as declared); null before",
    )  # fmt: skip
    measured_hours = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True,
        help_text="running time inside [start, end), measured by telemetry; null when not measured",
    )  # fmt: skip
    overrun_minutes = serializers.FloatField(
        read_only=True, allow_null=True, help_text="running past the end; null when not measured"
    )
    requester_record = serializers.SerializerMethodField(
        help_text="the requester's credit (marks in the window and what they mean); for the instrument's lab "
        "managers only, null for everyone else"
    )

    class Meta:
        model = Reservation
        fields = [
            "id", "instrument", "requester", "organization", "is_external", "start", "end", "status",
            "status_reason", "purpose", "sample_description", "service_way", "cost_centre", "created_at",
            "expires_at", "history", "can_decide", "outcome", "measured_hours", "overrun_minutes", "cancelled_late",
            "requester_record",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_decide(self, reservation: Reservation) -> bool:
        return self._decides(reservation)

    def _decides(self, reservation: Reservation) -> bool:
        """Whether the user decides for the booking's lab, asked once per lab for a page of
        rows and both fields (the context is shared by the page's rows)."""
        request = self.context.get("request")
        if request is None:
            return False
        deciding = self.context.setdefault("_decides_for_lab", {})
        lab = reservation.instrument.lab_id
        if lab not in deciding:
            deciding[lab] = can_decide(request.user, reservation)
        return deciding[lab]

    @extend_schema_field(CreditRecordSerializer(allow_null=True))
    def get_requester_record(self, reservation: Reservation) -> dict | None:
        if not self._decides(reservation):
            return None
        # The list view gives the page's standings from one query (booking.api).
        standing = self.context.get("requester_records", {}).get(reservation.requester_id)
        if standing is None:
            standing = credit.credit_standing(user=reservation.requester)
        return CreditRecordSerializer(standing.as_dict()).data


class ReservationCreateSerializer(Serializer):
    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.select_related("lab", "policy"))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    purpose = serializers.CharField(max_length=2000)
    sample_description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    service_way = serializers.ChoiceField(choices=Reservation.ServiceWay.choices, required=False)
    cost_centre = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="grant or cost centre (经费卡号) that users of the owning institution charge their use to",
    )  # fmt: skip


class ReasonSerializer(Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApprovalNoteSerializer(Serializer):
    """An approval's optional note, sent to the requester with the decision."""

    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SampleOrderSerializer(ModelSerializer):
    instrument = InstrumentBriefSerializer(read_only=True)
    requester = serializers.CharField(source="requester.username", read_only=True)
    organization = serializers.CharField(source="organization.code", read_only=True)
    results_url = serializers.SerializerMethodField(
        help_text="where the customer and the lab's managers download the results; null without results or access"
    )
    results_name = serializers.SerializerMethodField()
    can_decide = serializers.SerializerMethodField()
    can_confirm = serializers.SerializerMethodField()

    class Meta:
        model = SampleOrder
        fields = [
            "id", "instrument", "requester", "organization", "is_external", "samples", "description", "cost_centre",
            "status", "status_reason", "results_url", "results_name", "results_note", "created_at", "decided_at",
            "completed_at", "confirmed_at", "can_decide", "can_confirm",
        ]  # fmt: skip
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request else None

    def get_results_url(self, order: SampleOrder) -> str | None:
        user = self._user()
        if not order.results or user is None or not can_download_results(user, order):
            return None
        path = reverse("sample-order-results", args=[order.pk])
        return self.context["request"].build_absolute_uri(path)

    def get_results_name(self, order: SampleOrder) -> str | None:
        return display_name(order.results.name) if order.results else None

    def get_can_decide(self, order: SampleOrder) -> bool:
        user = self._user()
        return bool(user and can_decide_sample_order(user, order))

    def get_can_confirm(self, order: SampleOrder) -> bool:
        user = self._user()
        return bool(
            user
            and order.status == SampleOrder.Status.COMPLETED
            and order.confirmed_at is None
            and can_confirm_sample_order(user, order)
        )


class SampleOrderCreateSerializer(Serializer):
    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.select_related("lab__institution"))
    samples = serializers.IntegerField(min_value=1, max_value=MAX_SAMPLES, error_messages=SAMPLES_FIELD_ERRORS)
    description = serializers.CharField(
        max_length=MAX_TEXT, error_messages={"required": DESCRIPTION_REQUIRED, "blank": DESCRIPTION_REQUIRED}
    )
    cost_centre = serializers.CharField(max_length=MAX_COST_CENTRE, required=False, allow_blank=True, default="")


class RejectReasonSerializer(Serializer):
    reason = serializers.CharField(
        max_length=MAX_TEXT, help_text="the customer sees it",
        error_messages={"required": REASON_REQUIRED, "blank": REASON_REQUIRED},
    )  # fmt: skip


class SampleOrderCompleteSerializer(Serializer):
    results = serializers.FileField(
        help_text="PDF, XLSX, CSV, ZIP, PNG or JPEG; the content is checked, not the name",
        error_messages={"required": RESULTS_REQUIRED, "empty": RESULTS_EMPTY},
    )
    note = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
