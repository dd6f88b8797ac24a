"""The shapes of billing over REST.

Money goes out as a decimal string with two places. Amounts coming in are decimals of at
most two places: a third is a field error, never rounded away. These serializers check
the shape of a request only; the rules (who, how much, when) are the services'.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Organization, Region
from accounts.validators import validate_credit_code
from billing import rates, vouchers
from billing.invoicing import is_overdue
from billing.models import (
    Charge,
    ChargeLine,
    ClaimLine,
    Invoice,
    Payment,
    RateCard,
    VoucherClaim,
    VoucherGrant,
    VoucherProgramme,
)
from config.api import CodeRelatedField, ModelSerializer, Serializer
from instruments.models import Instrument

ONE_DECISION = _("Give either an amount to grant or a reason to refuse, not both.")


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def percent(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, **kwargs)


def organization_code(**kwargs) -> serializers.SlugRelatedField:
    return CodeRelatedField(slug_field="code", queryset=Organization.objects.all(), **kwargs)


def region_code(**kwargs) -> serializers.SlugRelatedField:
    return CodeRelatedField(slug_field="code", queryset=Region.objects.all(), **kwargs)


# Rate cards


class RateCardSerializer(ModelSerializer):
    instrument = serializers.CharField(source="instrument.code", read_only=True, help_text="instrument code")

    class Meta:
        model = RateCard
        fields = [
            "id", "instrument", "valid_from", "unit", "basis", *rates.MONEY_FIELDS, *rates.PERCENT_FIELDS,
            "increment_minutes", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RateCardCreateSerializer(Serializer):
    instrument = CodeRelatedField(
        slug_field="code", queryset=Instrument.objects.select_related("lab__institution"), help_text="instrument code"
    )
    valid_from = serializers.DateField(help_text="the card is in force from this day until a later card's")
    unit = serializers.ChoiceField(choices=RateCard.Unit.choices, required=False)
    basis = serializers.ChoiceField(choices=RateCard.Basis.choices, required=False)
    price_internal = money()
    price_academic = money()
    price_enterprise = money()
    assisted_extra = money(required=False)
    minimum_charge = money(required=False)
    setup_fee = money(required=False)
    no_show_fee = money(required=False)
    late_cancel_fee = money(required=False)
    sme_discount_percent = percent(required=False)
    overtime_surcharge_percent = percent(required=False)
    increment_minutes = serializers.IntegerField(
        required=False, error_messages={"invalid": rates.INCREMENT_INVALID},
        help_text="time is rounded up to a multiple of this",
    )  # fmt: skip


# Charges and invoices


class ChargeLineSerializer(ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="what the line counts, in the reader's language")

    class Meta:
        model = ChargeLine
        fields = ["basis", "label", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class ChargeSerializer(ModelSerializer):
    instrument = serializers.CharField(source="instrument.code", read_only=True)
    provider = serializers.CharField(source="provider.code", read_only=True)
    customer = serializers.CharField(source="customer.code", read_only=True)
    total = money(read_only=True, help_text="net + VAT")
    lines = ChargeLineSerializer(many=True, read_only=True)
    invoice_number = serializers.CharField(
        source="invoice.number", read_only=True, allow_null=True, default=None,
        help_text="empty while the invoice is a draft; null when not invoiced",
    )  # fmt: skip
    voucher_exception = serializers.SerializerMethodField(help_text="a regulator let vouchers pay this unverified use")

    class Meta:
        model = Charge
        fields = [
            "id", "kind", "instrument", "provider", "customer", "customer_class", "cost_centre", "reservation",
            "sample_order", "service_date", "verified", "net", "vat", "total", "lines", "rate", "invoice",
            "invoice_number", "voucher_exception", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_voucher_exception(self, charge: Charge) -> bool:
        return charge.voucher_exception_at is not None


class PaymentSerializer(ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "reference", "paid_on", "amount", "recorded_by", "recorded_at"]
        read_only_fields = fields


class InvoiceSerializer(ModelSerializer):
    provider = serializers.CharField(source="provider.code", read_only=True)
    customer = serializers.CharField(source="customer.code", read_only=True)
    customer_due = money(read_only=True, help_text="total less what vouchers pay")
    outstanding = money(read_only=True, help_text="customer_due less payments (negative on a credit note)")
    overdue = serializers.SerializerMethodField(help_text="issued, unpaid and past its due date")
    charges = ChargeSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    credit_notes = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="ids of its credit notes")

    class Meta:
        model = Invoice
        fields = [
            "id", "kind", "number", "status", "provider", "customer", "corrects", "credit_notes", "period_start",
            "period_end", "net", "vat", "total", "voucher_amount", "customer_due", "paid_amount", "outstanding",
            "overdue", "created_at", "issued_at", "due_date", "paid_at", "voided_at", "void_reason", "charges",
            "payments",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, invoice: Invoice) -> bool:
        return is_overdue(invoice, today=self.context.get("today") or timezone.localdate())


class InvoiceDraftSerializer(Serializer):
    customer = organization_code(help_text="the customer organization's code")
    provider = organization_code(required=False, help_text="your institution's code (the default)")
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="exclusive: charges with a service date before it")


class VoidSerializer(Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PaymentCreateSerializer(Serializer):
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    paid_on = serializers.DateField()
    amount = money()


# Vouchers


class ProgrammeSerializer(ModelSerializer):
    regulator = serializers.CharField(source="regulator.code", read_only=True)
    customer_region = serializers.CharField(source="customer_region_id", read_only=True)
    provider_region = serializers.CharField(source="provider_region_id", read_only=True)

    class Meta:
        model = VoucherProgramme
        fields = [
            "id", "regulator", "name", "year", "budget", "budget_left", "customer_region", "provider_region",
            "share_percent", "startup_share_percent", "cap_per_enterprise", "valid_from", "valid_until",
            "created_at", "expired_at",
        ]  # fmt: skip
        read_only_fields = fields


class ProgrammeCreateSerializer(Serializer):
    name = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=2000, max_value=9999)
    budget = money()
    customer_region = region_code(help_text="GB/T 2260 code: customers registered in it")
    provider_region = region_code(help_text="GB/T 2260 code: providers in it")
    share_percent = percent()
    startup_share_percent = percent()
    cap_per_enterprise = money()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(help_text="inclusive")


class GrantSerializer(ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    enterprise = serializers.CharField(source="enterprise.code", read_only=True)
    applicant = serializers.CharField(source="applicant.username", read_only=True)
    share_percent = percent(read_only=True, help_text="the share vouchers pay, by the declared size")

    class Meta:
        model = VoucherGrant
        fields = [
            "id", "programme", "programme_name", "enterprise", "applicant", "size", "credit_code", "requested",
            "purpose", "status", "amount", "balance", "share_percent", "reason", "decided_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class GrantApplySerializer(Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=VoucherProgramme.objects.select_related("customer_region"))
    size = serializers.ChoiceField(choices=VoucherGrant.Size.choices)
    credit_code = serializers.CharField(
        max_length=18, validators=[validate_credit_code], help_text="your organization's unified social credit code"
    )
    requested = money()
    purpose = serializers.CharField(max_length=4000)


class GrantDecideSerializer(Serializer):
    amount = money(required=False, help_text="grant this much")
    refuse_reason = serializers.CharField(
        max_length=4000, required=False, help_text="or refuse, saying why",
        error_messages={"blank": vouchers.REASON_REQUIRED},
    )  # fmt: skip

    def validate(self, data: dict) -> dict:
        if ("amount" in data) == ("refuse_reason" in data):
            raise serializers.ValidationError(ONE_DECISION)
        return data


class ClaimLineSerializer(ModelSerializer):
    charge = serializers.IntegerField(source="payment.charge_id", read_only=True)
    invoice_number = serializers.CharField(source="payment.invoice.number", read_only=True)
    enterprise = serializers.CharField(source="payment.grant.enterprise.code", read_only=True)
    amount = money(source="payment.amount", read_only=True, help_text="what the voucher paid")

    class Meta:
        model = ClaimLine
        fields = ["id", "charge", "invoice_number", "enterprise", "amount", "decision", "reason", "decided_at"]
        read_only_fields = fields


class ClaimSerializer(ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    provider = serializers.CharField(source="provider.code", read_only=True)
    lines = ClaimLineSerializer(many=True, read_only=True)

    class Meta:
        model = VoucherClaim
        fields = [
            "id", "programme", "programme_name", "provider", "period_start", "period_end", "status", "amount",
            "approved_amount", "submitted_at", "paid_at", "paid_reference", "lines",
        ]  # fmt: skip
        read_only_fields = fields


class ClaimSubmitSerializer(Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=VoucherProgramme.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="exclusive: invoices issued before it")


class LineDecideSerializer(Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ReferenceSerializer(Serializer):
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class LedgerVerdictSerializer(Serializer):
    entries = serializers.IntegerField(help_text="entries checked")
    ok = serializers.BooleanField()
    first_bad = serializers.IntegerField(allow_null=True, help_text="id of the first entry that does not check out")
    problem = serializers.CharField(allow_blank=True)
