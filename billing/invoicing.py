"""Invoices, credit notes and payments.

An invoice gathers a provider's uninvoiced charges to one external customer over a period.
It is numbered when issued, from the provider's counter row, locked for the purpose, so
numbers have no gaps even when many invoices are issued at once. Vouchers pay their share
at issue. An issued invoice never changes; voiding it issues a credit note for all of it.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from billing import ledger, vouchers
from billing.models import Charge, CustomerClass, Invoice, InvoiceCounter, Payment
from billing.pricing import ZERO

NOTHING_TO_INVOICE = _("There are no uninvoiced charges to this customer in the period.")
NOT_DRAFT = _("Only a draft can be issued; this invoice is %(status)s.")
NOT_PAYABLE = _("Payments are recorded against issued invoices; this one is %(status)s.")
OVERPAID = _("This is more than the %(outstanding)s still owed on the invoice.")
AMOUNT_POSITIVE = _("Enter an amount above zero, in yuan with at most two decimals.")
REASON_REQUIRED = _("Say why the invoice is voided.")
PAID_CANNOT_VOID = _("Payments are recorded on this invoice; it cannot be voided.")
ALREADY_VOID = _("This invoice is already void.")
PERIOD_ORDER = _("The period must end after it starts.")
REFERENCE_REQUIRED = _("Enter the bank transfer reference.")


def _totals(invoice: Invoice) -> None:
    sums = invoice.charges.aggregate(net=Sum("net"), vat=Sum("vat"))
    invoice.net, invoice.vat = sums["net"] or ZERO, sums["vat"] or ZERO
    invoice.total = invoice.net + invoice.vat


def invoice_draft(
    *, provider: Organization, customer: Organization, period_start: dt.date, period_end: dt.date
) -> Invoice:
    """Gather the provider's uninvoiced external charges to the customer with a service date in
    [period_start, period_end) into a draft."""
    if period_end <= period_start:
        raise ValidationError({"period_end": PERIOD_ORDER})
    with transaction.atomic():
        charges = Charge.objects.select_for_update().filter(
            provider=provider, customer=customer, invoice__isnull=True,
            service_date__gte=period_start, service_date__lt=period_end,
        ).exclude(customer_class=CustomerClass.INTERNAL)  # fmt: skip
        ids = list(charges.values_list("pk", flat=True))
        if not ids:
            raise ValidationError(NOTHING_TO_INVOICE)
        invoice = Invoice.objects.create(
            provider=provider, customer=customer, period_start=period_start, period_end=period_end
        )
        # Only still-uninvoiced rows: a concurrent draft that took some leaves them out here.
        if not Charge.objects.filter(pk__in=ids, invoice__isnull=True).update(invoice=invoice):
            raise ValidationError(NOTHING_TO_INVOICE)
        _totals(invoice)
        invoice.save(update_fields=["net", "vat", "total"])
    return invoice


def _next_number(provider: Organization, issued_at: dt.datetime) -> tuple[int, str]:
    # The counter row is locked until the issuing transaction ends, so two invoices of one
    # provider never take the same number, and a rolled-back issue gives its number back.
    InvoiceCounter.objects.get_or_create(provider=provider)
    counter = InvoiceCounter.objects.select_for_update().get(provider=provider)
    counter.last += 1
    counter.save(update_fields=["last"])
    year = timezone.localtime(issued_at).year
    return counter.last, f"{settings.BILLING_INVOICE_PREFIX}-{provider.code.upper()}-{year}-{counter.last:06d}"


def invoice_issue(*, invoice: Invoice, now: dt.datetime | None = None) -> Invoice:
    now = now or timezone.now()
    with transaction.atomic():
        ledger.hold()
        invoice = Invoice.objects.select_for_update().select_related("provider", "customer").get(pk=invoice.pk)
        if invoice.status != Invoice.Status.DRAFT:
            raise ValidationError(NOT_DRAFT % {"status": invoice.get_status_display()})
        _totals(invoice)
        invoice.sequence, invoice.number = _next_number(invoice.provider, now)
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_at = now
        invoice.due_date = timezone.localtime(now).date() + dt.timedelta(days=settings.BILLING_PAYMENT_TERM_DAYS)
        invoice.save()
        invoice.voucher_amount = vouchers.vouchers_pay(invoice=invoice)
        invoice.customer_due = invoice.total - invoice.voucher_amount
        if invoice.customer_due == ZERO:
            invoice.status, invoice.paid_at = Invoice.Status.PAID, now
        invoice.save(update_fields=["voucher_amount", "customer_due", "status", "paid_at"])
        ledger.append(
            kind="invoice_issued", subject=f"invoice:{invoice.pk}", amount=invoice.total,
            data={"number": invoice.number, "customer": invoice.customer_id, "vouchers": invoice.voucher_amount},
        )  # fmt: skip
    return invoice


def invoice_void(*, invoice: Invoice, by: User, reason: str, now: dt.datetime | None = None) -> Invoice | None:
    """Void a draft, or an issued invoice without payments; the latter gets a credit note
    (returned), its voucher payments go back to their grants, and its charges can be invoiced again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    now = now or timezone.now()
    with transaction.atomic():
        ledger.hold()
        invoice = Invoice.objects.select_for_update().select_related("provider").get(pk=invoice.pk)
        if invoice.status == Invoice.Status.VOID:
            raise ValidationError(ALREADY_VOID)
        if invoice.payments.exists():
            raise ValidationError(PAID_CANNOT_VOID)
        issued = invoice.status != Invoice.Status.DRAFT
        note = None
        if issued:
            vouchers.vouchers_reverse(invoice=invoice, now=now)
            sequence, number = _next_number(invoice.provider, now)
            note = Invoice.objects.create(
                provider=invoice.provider, customer=invoice.customer, kind=Invoice.Kind.CREDIT_NOTE, corrects=invoice,
                period_start=invoice.period_start, period_end=invoice.period_end, net=-invoice.net, vat=-invoice.vat,
                total=-invoice.total, voucher_amount=-invoice.voucher_amount,
                customer_due=-invoice.customer_due, status=Invoice.Status.ISSUED,
                issued_at=now, void_reason=reason, sequence=sequence, number=number,
            )  # fmt: skip
            ledger.append(
                kind="credit_note", subject=f"invoice:{note.pk}", amount=note.total,
                data={"number": note.number, "corrects": invoice.number, "reason": reason, "by": by.pk},
            )  # fmt: skip
        invoice.charges.update(invoice=None)
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.VOID, voided_at=now, void_reason=reason)
    return note


def _amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationError({"amount": AMOUNT_POSITIVE}) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": AMOUNT_POSITIVE})
    return amount


def payment_record(*, invoice: Invoice, by: User, reference: str, paid_on: dt.date, amount: Decimal | str) -> Payment:
    amount = _amount(amount)
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": REFERENCE_REQUIRED})
    with transaction.atomic():
        # Locked so that two payments recorded at once cannot together exceed what is owed.
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != Invoice.Status.ISSUED or invoice.kind != Invoice.Kind.INVOICE:
            raise ValidationError(NOT_PAYABLE % {"status": invoice.get_status_display()})
        if amount > invoice.outstanding:
            raise ValidationError({"amount": OVERPAID % {"outstanding": invoice.outstanding}})
        payment = Payment.objects.create(
            invoice=invoice, reference=reference, paid_on=paid_on, amount=amount, recorded_by=by
        )
        # Computed here from the locked row, not by the database: SQLite does decimal
        # arithmetic in floating point.
        invoice.paid_amount += amount
        if invoice.outstanding == ZERO:
            invoice.status, invoice.paid_at = Invoice.Status.PAID, timezone.now()
        invoice.save(update_fields=["paid_amount", "status", "paid_at"])
        ledger.append(
            kind="payment", subject=f"invoice:{invoice.pk}", amount=amount,
            data={"number": invoice.number, "reference": reference, "paid_on": paid_on, "by": by.pk},
        )  # fmt: skip
    return payment


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def invoices_month_end(*, now: dt.datetime | None = None) -> int:
    """Invoice and issue last month's uninvoiced external charges, one invoice per provider and
    customer (the jobs worker; running it again finds nothing left to invoice)."""
    now = now or timezone.now()
    start, end = _month_bounds(timezone.localtime(now).date().replace(day=1) - dt.timedelta(days=1))
    pairs = (
        Charge.objects.filter(invoice__isnull=True, service_date__gte=start, service_date__lt=end)
        .exclude(customer_class=CustomerClass.INTERNAL)
        .values_list("provider_id", "customer_id")
        .distinct()
        .order_by("provider_id", "customer_id")
    )
    made = 0
    for provider_id, customer_id in list(pairs):
        provider, customer = Organization.objects.get(pk=provider_id), Organization.objects.get(pk=customer_id)
        try:
            invoice = invoice_draft(provider=provider, customer=customer, period_start=start, period_end=end)
        except ValidationError:
            continue  # taken by an invoice made meanwhile
        invoice_issue(invoice=invoice, now=now)
        made += 1
    return made


def is_overdue(invoice: Invoice, *, today: dt.date) -> bool:
    return invoice.status == Invoice.Status.ISSUED and invoice.due_date is not None and invoice.due_date < today


def invoices_overdue_mark(*, now: dt.datetime | None = None) -> int:
    """Mark the credit of customers whose invoices are overdue by more than CREDIT_OVERDUE_DAYS
    (the jobs worker; a mark is made once per invoice)."""
    from booking.credit import credit_mark_add
    from booking.models import CreditMark

    now = now or timezone.now()
    limit = timezone.localtime(now).date() - dt.timedelta(days=settings.CREDIT_OVERDUE_DAYS)
    late = Invoice.objects.filter(
        status=Invoice.Status.ISSUED, kind=Invoice.Kind.INVOICE, due_date__lt=limit
    ).select_related("customer")
    marked = 0
    for invoice in late:
        credit_mark_add(organization=invoice.customer, kind=CreditMark.Kind.OVERDUE, reference=invoice.number, at=now)
        marked += 1
    return marked
