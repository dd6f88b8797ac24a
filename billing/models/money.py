"""Rate cards, charges, invoices and payments, and the money conventions of every billing row.

Amounts are Decimal CNY with two places. Rows that record money are written by
billing.services only; what must never happen (a negative balance, two invoices with one
number, a second charge for one booking) is forbidden by the database as well.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from billing.pricing import LINE_LABELS
from booking.models import Reservation, SampleOrder
from instruments.models import Instrument

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
ZERO = Decimal("0.00")


def percent_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}), name=f"%(class)s_{field}_percent"
    )


def not_negative(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=f"%(class)s_{field}_not_negative")


class CustomerClass(models.TextChoices):
    INTERNAL = "internal", _("Own institution")
    ACADEMIC = "academic", _("Other academic or public institution")
    ENTERPRISE = "enterprise", _("Enterprise")


class RateCard(models.Model):
    """An instrument's prices from `valid_from` on; the newest card not after a date is in
    force that day. A card is never edited once a charge uses it: a change is a new card."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("per hour")
        HALF_DAY = "half_day", _("per half day (4 h)")
        DAY = "day", _("per day (8 h)")
        SAMPLE = "sample", _("per sample")

    class Basis(models.TextChoices):
        BOOKED = "booked", _("booked time")
        MEASURED = "measured", _("measured use (plus overrun)")
        LARGER = "larger", _("the larger of booked time and measured use")

    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="rate_cards", verbose_name=_("instrument"))
    valid_from = models.DateField(_("in force from"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.HOUR)
    price_internal = models.DecimalField(_("price, own institution"), **MONEY)
    price_academic = models.DecimalField(_("price, other academic or public institution"), **MONEY)
    price_enterprise = models.DecimalField(_("price, enterprise"), **MONEY)
    sme_discount_percent = models.DecimalField(_("start-up/SME discount (%)"), default=ZERO, **PERCENT)
    assisted_extra = models.DecimalField(
        _("extra per unit when operated by staff"), default=ZERO, **MONEY,
        help_text=_("Added to the unit price for technical service and entrusted testing."),
    )  # fmt: skip
    minimum_charge = models.DecimalField(_("minimum charge"), default=ZERO, **MONEY)
    increment_minutes = models.PositiveIntegerField(
        _("billing increment (minutes)"), default=15, help_text=_("Time is rounded up to a multiple of this.")
    )
    setup_fee = models.DecimalField(_("set-up fee"), default=ZERO, **MONEY)
    overtime_surcharge_percent = models.DecimalField(_("overtime surcharge (%)"), default=ZERO, **PERCENT)
    basis = models.CharField(_("billable time"), max_length=10, choices=Basis.choices, default=Basis.LARGER)
    no_show_fee = models.DecimalField(_("no-show fee"), default=ZERO, **MONEY)
    late_cancel_fee = models.DecimalField(_("late-cancellation fee"), default=ZERO, **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "-valid_from"]
        verbose_name = _("rate card")
        verbose_name_plural = _("rate cards")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "valid_from"], name="one_rate_card_per_instrument_and_day"),
            models.CheckConstraint(condition=Q(increment_minutes__gt=0), name="rate_card_increment_positive"),
            percent_check("sme_discount_percent"),
            percent_check("overtime_surcharge_percent"),
            *[
                not_negative(f)
                for f in (
                    "price_internal", "price_academic", "price_enterprise", "assisted_extra", "minimum_charge",
                    "setup_fee", "no_show_fee", "late_cancel_fee",
                )
            ],
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.instrument} {self.valid_from}"


class Invoice(models.Model):
    """A provider institution's bill to one customer organization, or a credit note that
    corrects an issued one. A number is given when it is issued, without gaps per provider."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    provider = models.ForeignKey(Organization, models.PROTECT, related_name="invoices_sent")
    customer = models.ForeignKey(Organization, models.PROTECT, related_name="invoices_received")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    corrects = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="credit_notes")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    number = models.CharField(_("number"), max_length=40, blank=True, editable=False)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"), help_text=_("Exclusive."))
    net = models.DecimalField(_("net"), default=ZERO, **MONEY)
    vat = models.DecimalField(_("VAT"), default=ZERO, **MONEY)
    total = models.DecimalField(_("total"), default=ZERO, **MONEY)
    voucher_amount = models.DecimalField(_("paid by vouchers"), default=ZERO, **MONEY)
    # The total less what vouchers pay: what the customer owes. Stored, so that the database
    # can hold payments within it without arithmetic (SQLite computes decimals as floats).
    customer_due = models.DecimalField(_("customer pays"), default=ZERO, **MONEY)
    paid_amount = models.DecimalField(_("paid"), default=ZERO, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid on"), null=True, blank=True)
    # When the customer's admins were reminded that it is overdue (once).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "sequence"], condition=Q(sequence__isnull=False), name="invoice_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "void"]) | Q(sequence__isnull=False), name="invoice_issued_has_number"
            ),
            # A customer never pays more than their share.
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("customer_due")) | Q(kind="credit_note"),
                name="invoice_not_overpaid",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", corrects__isnull=True) | Q(kind="credit_note", corrects__isnull=False),
                name="credit_note_corrects_an_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft {self.pk}"

    @property
    def outstanding(self) -> Decimal:
        return self.customer_due - self.paid_amount


class InvoiceCounter(models.Model):
    """The last number issued by a provider; its row is locked while an invoice is numbered."""

    provider = models.OneToOneField(Organization, models.PROTECT, primary_key=True, related_name="+")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("invoice number counter")
        verbose_name_plural = _("invoice number counters")

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.last}"


class Charge(models.Model):
    """What one settled booking or completed sample order costs, priced once by the rate card
    in force when it was approved, frozen in `rate`."""

    class Kind(models.TextChoices):
        USE = "use", _("Use")
        SAMPLES = "samples", _("Samples")
        NO_SHOW = "no_show", _("No-show fee")
        LATE_CANCEL = "late_cancel", _("Late-cancellation fee")

    reservation = models.OneToOneField(
        Reservation, models.PROTECT, null=True, blank=True, related_name="charge", editable=False
    )
    sample_order = models.OneToOneField(
        SampleOrder, models.PROTECT, null=True, blank=True, related_name="charge", editable=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="charges")
    provider = models.ForeignKey(Organization, models.PROTECT, related_name="charges_made")
    customer = models.ForeignKey(Organization, models.PROTECT, related_name="charges_owed")
    customer_class = models.CharField(_("customer class"), max_length=12, choices=CustomerClass.choices)
    cost_centre = models.CharField(_("grant or cost centre"), max_length=64, blank=True)
    rate_card = models.ForeignKey(RateCard, models.PROTECT, null=True, blank=True, related_name="charges")
    rate = models.JSONField(_("rate applied"), default=dict)
    # Use measured by a reporting gateway, or a sample order whose results the customer confirmed.
    verified = models.BooleanField(_("verified use"))
    service_date = models.DateField(_("service date"))
    net = models.DecimalField(_("net"), **MONEY)
    vat = models.DecimalField(_("VAT"), **MONEY)
    invoice = models.ForeignKey(Invoice, models.PROTECT, null=True, blank=True, related_name="charges")
    # A regulator let a voucher pay this unverified charge.
    voucher_exception_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    voucher_exception_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_date", "id"]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        indexes = [models.Index(fields=["provider", "customer", "service_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(reservation__isnull=False, sample_order__isnull=True)
                | Q(reservation__isnull=True, sample_order__isnull=False),
                name="charge_for_one_booking_or_order",
            ),
            not_negative("net"),
            not_negative("vat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.instrument} {self.net}"

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


class ChargeLine(models.Model):
    """One priced line of a charge, saying what it counts and on which basis."""

    charge = models.ForeignKey(Charge, models.PROTECT, related_name="lines")
    basis = models.CharField(_("what it counts"), max_length=20)  # a key of billing.pricing.LINE_LABELS
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("charge line")
        verbose_name_plural = _("charge lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.basis}: {self.amount}"

    @property
    def label(self) -> str:
        return str(LINE_LABELS.get(self.basis, self.basis))


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, models.PROTECT, related_name="payments")
    reference = models.CharField(_("bank transfer reference"), max_length=80)
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}"


class LedgerEntry(models.Model):
    """The journal of every money movement. Each row carries the hash of the one before, so
    an edited, deleted or inserted row breaks the chain (billing.ledger.verify)."""

    kind = models.CharField(max_length=24)
    subject = models.CharField(max_length=64)  # "invoice:12", "charge:7", …
    amount = models.DecimalField(**MONEY)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.pk} {self.kind} {self.subject} {self.amount}"


class LedgerHead(models.Model):
    """One row, locked while an entry is appended, so that entries chain in one order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"{self.count}: {self.last_hash[:12]}"
