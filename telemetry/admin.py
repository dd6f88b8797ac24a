"""Admin of gateways and what they reported. Gateways are revoked and instruments bound
through telemetry.services, as on the lab's Gateways page (a revocation unbinds and
reloads the broker's files); recorded facts are for looking only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import ReadOnly
from telemetry import services
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
    """Gateways are registered and rotated on the lab's Gateways page, where the secret is
    shown once; here they can be looked at, renamed and revoked."""

    list_display = ["code", "lab", "heartbeat_seconds", "created_at", "revoked_at"]
    list_filter = ["lab__institution"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "lab", "created_at", "rotated_at", "revoked_at"]
    exclude = ["secret_hash", "broker_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked instead: its events keep naming it

    @admin.action(description=_("Revoke the selected gateways and unbind their instruments"))
    def revoke(self, request, queryset) -> None:
        gateways = list(queryset.select_related("lab"))
        for gateway in gateways:
            services.gateway_revoke(gateway=gateway, by=request.user)
        count = len(gateways)
        self.message_user(
            request, ngettext("%(count)d gateway revoked.", "%(count)d gateways revoked.", count) % {"count": count}
        )


class BindingForm(forms.ModelForm):
    class Meta:
        model = Binding
        fields = ["instrument", "gateway"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "gateway" in self.fields:  # a revoked gateway is no choice (the service refuses it too)
            self.fields["gateway"].queryset = Gateway.objects.filter(revoked_at__isnull=True).select_related("lab")


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    """Bound and unbound through telemetry.services: only to a gateway that is not revoked."""

    form = BindingForm
    list_display = ["instrument", "gateway", "created_at"]
    search_fields = ["instrument__code", "gateway__code"]
    autocomplete_fields = ["instrument"]

    def get_readonly_fields(self, request, obj=None):
        return ["instrument"] if obj else []

    def save_model(self, request, obj: Binding, form, change: bool) -> None:
        instrument = obj.instrument
        saved = services.instrument_bind(instrument=instrument, gateway=form.cleaned_data["gateway"], by=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj: Binding) -> None:
        services.instrument_unbind(instrument=obj.instrument, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for binding in queryset.select_related("instrument__lab"):
            services.instrument_unbind(instrument=binding.instrument, by=request.user)


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnly):
    list_display = ["received_at", "gateway_code", "reason", "seq", "detail"]
    list_filter = ["reason"]
    search_fields = ["gateway_code", "detail"]


@admin.register(Counter)
class CounterAdmin(ReadOnly):
    list_display = ["name", "value", "updated_at"]


@admin.register(Acknowledged)
class AcknowledgedAdmin(ReadOnly):
    """Written only by the ingest worker: what it has told each gateway it may forget."""

    list_display = ["gateway", "seq", "updated_at"]


@admin.register(InstrumentStatus)
class InstrumentStatusAdmin(ReadOnly):
    """Written only by the ingest worker and the silence check."""

    list_display = ["instrument", "state", "gateway", "last_ts"]
    search_fields = ["instrument__code"]


@admin.register(GatewayStatus)
class GatewayStatusAdmin(ReadOnly):
    list_display = ["gateway", "online"]
    search_fields = ["gateway__code"]


@admin.register(UsageSession)
class UsageSessionAdmin(ReadOnly):
    """Measured from the events: bills, vouchers and openness figures rest on them."""

    list_display = ["instrument", "start", "end", "gateway"]
    search_fields = ["instrument__code"]
    date_hierarchy = "start"


@admin.register(ReportingGap)
class ReportingGapAdmin(ReadOnly):
    list_display = ["instrument", "start", "end"]
    search_fields = ["instrument__code"]
