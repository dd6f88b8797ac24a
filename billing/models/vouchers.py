"""Innovation vouchers (科技创新券): programmes, grants, the payments they make and the
providers' claims."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region
from billing.models.money import MONEY, PERCENT, ZERO, Charge, Invoice, not_negative, percent_check


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
            not_negative("budget"),
            not_negative("budget_left"),
            not_negative("cap_per_enterprise"),
            models.CheckConstraint(condition=Q(budget_left__lte=F("budget")), name="programme_left_within_budget"),
            percent_check("share_percent"),
            percent_check("startup_share_percent"),
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
            not_negative("balance"),
            not_negative("amount"),
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
