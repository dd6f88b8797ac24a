from django.contrib import admin

from telemetry.models import (
    Acknowledged,
    Binding,
    Counter,
    DeadLetter,
    Gateway,
    GatewayStatus,
    InstrumentStatus,
    ReportingGap,
    UsageSession,
)


@admin.register(Gateway)
class GatewayAdmin(admin.ModelAdmin):
    """Gateways are registered, rotated and revoked on the lab's Gateways page, where the
    secret is shown once; here they can be looked at and revoked."""

    list_display = ["code", "lab", "heartbeat_seconds", "created_at", "revoked_at"]
    list_filter = ["lab__institution"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "lab", "created_at", "rotated_at"]
    exclude = ["secret_hash", "broker_hash"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    list_display = ["instrument", "gateway", "created_at"]
    autocomplete_fields = ["instrument"]


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    list_display = ["received_at", "gateway_code", "reason", "seq", "detail"]
    list_filter = ["reason"]
    search_fields = ["gateway_code", "detail"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ["name", "value", "updated_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Acknowledged)
class AcknowledgedAdmin(admin.ModelAdmin):
    """Written only by the ingest worker: what it has told each gateway it may forget."""

    list_display = ["gateway", "seq", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


for model in (InstrumentStatus, GatewayStatus, UsageSession, ReportingGap):
    admin.site.register(model)
