"""Read-only admin of money. Rates, charges, invoices, payments, vouchers, claims, ratings
and the ledger change only through billing's services (the pages and the API), where the
rules, the locks and the ledger entries are; the admin is for looking."""

from django.contrib import admin

from billing import models
from config.admin import ReadOnly


class LinesInline(admin.TabularInline):
    model = models.ChargeLine
    fields = ["basis", "quantity", "unit_price", "amount"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.RateCard)
class RateCardAdmin(ReadOnly):
    list_display = ["instrument", "valid_from", "unit", "price_internal", "price_academic", "price_enterprise"]
    search_fields = ["instrument__code"]


@admin.register(models.Charge)
class ChargeAdmin(ReadOnly):
    list_display = ["pk", "kind", "instrument", "provider", "customer", "service_date", "net", "vat", "verified"]
    list_filter = ["kind", "verified", "customer_class"]
    search_fields = ["instrument__code", "customer__code", "provider__code"]
    inlines = [LinesInline]


@admin.register(models.Invoice)
class InvoiceAdmin(ReadOnly):
    list_display = ["__str__", "kind", "status", "provider", "customer", "total", "voucher_amount", "paid_amount"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "customer__code", "provider__code"]


@admin.register(models.Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["invoice", "reference", "paid_on", "amount"]


@admin.register(models.VoucherProgramme)
class ProgrammeAdmin(ReadOnly):
    list_display = ["name", "year", "regulator", "budget", "budget_left", "valid_from", "valid_until"]


@admin.register(models.VoucherGrant)
class GrantAdmin(ReadOnly):
    list_display = ["programme", "enterprise", "status", "amount", "balance"]
    list_filter = ["status"]


@admin.register(models.VoucherPayment)
class VoucherPaymentAdmin(ReadOnly):
    list_display = ["grant", "charge", "invoice", "amount", "reversed_at"]


@admin.register(models.VoucherClaim)
class ClaimAdmin(ReadOnly):
    list_display = ["programme", "provider", "period_start", "period_end", "status", "amount", "approved_amount"]


@admin.register(models.Rating)
class RatingAdmin(ReadOnly):
    list_display = ["instrument", "customer", "service", "condition", "timeliness", "created_at"]


@admin.register(models.LedgerEntry)
class LedgerAdmin(ReadOnly):
    list_display = ["pk", "kind", "subject", "amount", "at", "hash"]
    list_filter = ["kind"]
