"""Money: rate cards, charges, invoices, payments, innovation vouchers, ratings and the ledger.

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

from accounts.models import Organization, Region
from billing.pricing import LINE_LABELS
from booking.models import Reservation, SampleOrder
from instruments.models import Instrument

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
ZERO = Decimal("0.00")


def _percent_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}), name=f"%(class)s_{field}_percent"
    )


def _not_negative(field: str) -> models.CheckConstraint:
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
            _percent_check("sme_discount_percent"),
            _percent_check("overtime_surcharge_percent"),
            *[
                _not_negative(f)
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
            _not_negative("net"),
            _not_negative("vat"),
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


class VoucherProgramme(models.Model):
    """A regulator's innovation voucher programme (科技创新券)."""

    regulator = models.ForeignKey(Organization, models.PROTECT, related_name="voucher_programmes")
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(_("total budget"), **MONEY)
    # What is not yet granted; grants take from it and expiry gives back.
    budget_left = models.DecimalField(_("budget not granted"), **MONEY, editable=False)
    customer_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("customers registered in")
    )
    provider_region = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("providers in"),
        help_text=_("The province for 通用通兑: any provider in the province."),
    )  # fmt: skip
    share_percent = models.DecimalField(_("share the voucher pays (%)"), **PERCENT)
    startup_share_percent = models.DecimalField(_("share for start-ups (%)"), **PERCENT)
    cap_per_enterprise = models.DecimalField(_("cap per enterprise"), **MONEY)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), help_text=_("Inclusive."))
    created_at = models.DateTimeField(auto_now_add=True)
    expired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        constraints = [
            _not_negative("budget"),
            _not_negative("budget_left"),
            _not_negative("cap_per_enterprise"),
            models.CheckConstraint(condition=Q(budget_left__lte=F("budget")), name="programme_left_within_budget"),
            _percent_check("share_percent"),
            _percent_check("startup_share_percent"),
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="programme_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class VoucherGrant(models.Model):
    """An enterprise's application to a programme and, once granted, its balance."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")

    class Size(models.TextChoices):
        STARTUP = "startup", _("Start-up")
        SMALL = "small", _("Small or micro enterprise")
        MEDIUM = "medium", _("Medium enterprise")

    programme = models.ForeignKey(VoucherProgramme, models.PROTECT, related_name="grants")
    enterprise = models.ForeignKey(Organization, models.PROTECT, related_name="voucher_grants")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    size = models.CharField(_("declared size"), max_length=8, choices=Size.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    requested = models.DecimalField(_("amount asked for"), **MONEY)
    purpose = models.TextField(_("what the vouchers are for"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.APPLIED)
    amount = models.DecimalField(_("amount granted"), default=ZERO, **MONEY)
    balance = models.DecimalField(_("balance"), default=ZERO, **MONEY, editable=False)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("voucher grant")
        verbose_name_plural = _("voucher grants")
        constraints = [
            models.UniqueConstraint(fields=["programme", "enterprise"], name="one_grant_per_programme_and_enterprise"),
            _not_negative("balance"),
            _not_negative("amount"),
            models.CheckConstraint(condition=Q(balance__lte=F("amount")), name="grant_balance_within_amount"),
            models.CheckConstraint(condition=Q(requested__gt=0), name="grant_request_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.enterprise}"

    @property
    def share_percent(self) -> Decimal:
        p = self.programme
        return p.startup_share_percent if self.size == self.Size.STARTUP else p.share_percent


class VoucherPayment(models.Model):
    """What a grant pays of one charge on an invoice."""

    grant = models.ForeignKey(VoucherGrant, models.PROTECT, related_name="payments")
    charge = models.ForeignKey(Charge, models.PROTECT, related_name="voucher_payments")
    invoice = models.ForeignKey(Invoice, models.PROTECT, related_name="voucher_payments")
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the invoice is voided: the amount went back to the grant.
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("voucher payment")
        verbose_name_plural = _("voucher payments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_payment_positive"),
            models.UniqueConstraint(
                fields=["charge"], condition=Q(reversed_at__isnull=True), name="one_live_voucher_payment_per_charge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant_id} → {self.charge_id}: {self.amount}"


class VoucherClaim(models.Model):
    """A provider's claim to a programme for what its vouchers paid in a period."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        DECIDED = "decided", _("Decided")
        PAID = "paid", _("Paid")

    programme = models.ForeignKey(VoucherProgramme, models.PROTECT, related_name="claims")
    provider = models.ForeignKey(Organization, models.PROTECT, related_name="voucher_claims")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    amount = models.DecimalField(_("claimed"), **MONEY)
    approved_amount = models.DecimalField(_("approved"), default=ZERO, **MONEY)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_reference = models.CharField(_("payment reference"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("voucher claim")
        verbose_name_plural = _("voucher claims")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} → {self.programme}: {self.amount}"


class ClaimLine(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    claim = models.ForeignKey(VoucherClaim, models.PROTECT, related_name="lines")
    payment = models.OneToOneField(VoucherPayment, models.PROTECT, related_name="claim_line")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.decision}"


class Rating(models.Model):
    """A customer's one rating of a completed booking or sample order, and the lab's one reply."""

    reservation = models.OneToOneField(Reservation, models.PROTECT, null=True, blank=True, related_name="rating")
    sample_order = models.OneToOneField(SampleOrder, models.PROTECT, null=True, blank=True, related_name="rating")
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="ratings")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="ratings")
    service = models.PositiveSmallIntegerField(_("service"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    condition = models.PositiveSmallIntegerField(
        _("instrument condition"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    timeliness = models.PositiveSmallIntegerField(
        _("timeliness"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("the lab's reply"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reservation__isnull=False, sample_order__isnull=True)
                | Q(reservation__isnull=True, sample_order__isnull=False),
                name="rating_of_one_booking_or_order",
            ),
            *[
                models.CheckConstraint(condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"rating_{f}_1_to_5")
                for f in ("service", "condition", "timeliness")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.instrument}: {self.service}/{self.condition}/{self.timeliness}"

    @property
    def average(self) -> float:
        return (self.service + self.condition + self.timeliness) / 3


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
