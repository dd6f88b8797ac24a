from rest_framework import serializers

from config.api import ModelSerializer, Serializer
from telemetry.models import Gateway


class LabBriefSerializer(Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    institution = serializers.CharField(source="institution.code")


class GatewaySerializer(ModelSerializer):
    lab = LabBriefSerializer(read_only=True)
    active = serializers.BooleanField(read_only=True)
    instruments = serializers.SerializerMethodField(help_text="codes of the instruments it reports for")
    online = serializers.BooleanField(
        source="status.online", default=None, allow_null=True, read_only=True,
        help_text="as the agent last said (its retained status); null before it ever connected",
    )  # fmt: skip

    class Meta:
        model = Gateway
        fields = [
            "code", "name", "lab", "heartbeat_seconds", "timeout_heartbeats", "active", "instruments", "online",
            "created_at", "rotated_at", "revoked_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_instruments(self, gateway: Gateway) -> list[str]:
        return sorted(binding.instrument.code for binding in gateway.bindings.all())


class GatewaySecretSerializer(GatewaySerializer):
    secret = serializers.CharField(help_text="the gateway's MQTT password: shown this once, never stored")

    class Meta(GatewaySerializer.Meta):
        fields = [*GatewaySerializer.Meta.fields, "secret"]
        read_only_fields = fields


class GatewayCreateSerializer(Serializer):
    code = serializers.SlugField(max_length=64, help_text="the gateway id: its MQTT user name and topic part")
    lab = serializers.CharField(max_length=80, help_text="the lab's id, or its institution code and code: NJU/ac")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    heartbeat_seconds = serializers.IntegerField(min_value=1, max_value=86400, required=False, default=60)


class InstrumentCodeSerializer(Serializer):
    instrument = serializers.CharField(max_length=64, help_text="instrument code")
