from rest_framework import serializers

from booking.models import Reservation, ReservationEvent
from booking.selectors import can_decide
from instruments.models import Instrument


class SpanSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilitySerializer(serializers.Serializer):
    instrument = serializers.IntegerField(source="instrument.pk")
    code = serializers.CharField(source="instrument.code")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    bookable = serializers.BooleanField()
    free = SpanSerializer(many=True)
    busy = SpanSerializer(many=True)


class InstrumentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["id", "code", "name_zh", "name_en"]


class EventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", default=None)

    class Meta:
        model = ReservationEvent
        fields = ["from_status", "to_status", "by", "at", "reason"]


class ReservationSerializer(serializers.ModelSerializer):
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

    class Meta:
        model = Reservation
        fields = [
            "id", "instrument", "requester", "organization", "is_external", "start", "end", "status",
            "status_reason", "purpose", "sample_description", "service_way", "created_at", "expires_at",
            "history", "can_decide", "outcome", "measured_hours", "overrun_minutes",
        ]  # fmt: skip
        read_only_fields = fields

    def get_can_decide(self, reservation: Reservation) -> bool:
        request = self.context.get("request")
        return bool(request and can_decide(request.user, reservation))


class ReservationCreateSerializer(serializers.Serializer):
    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.select_related("lab__institution"))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    purpose = serializers.CharField(max_length=2000)
    sample_description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    service_way = serializers.ChoiceField(choices=Reservation.ServiceWay.choices, required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
