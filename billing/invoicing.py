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
from billing.pricing import AMOUNT_POSITIVE, ZERO, positive_amount  # noqa: F401 - AMOUNT_POSITIVE is named by the doors

NOTHING_TO_INVOICE = _("There are no uninvoiced charges to this customer in the period.")
NOT_DRAFT = _("Only a draft can be issued; this invoice is %(status)s.")
NOT_PAYABLE = _("Payments are recorded against issued invoices; this one is %(status)s.")
OVERPAID = _("This is more than the %(outstanding)s still owed on the invoice.")
REASON_REQUIRED = _("Say why the invoice is voided.")
PAID_CANNOT_VOID = _("Payments are recorded on this invoice; it cannot be voided.")
ALREADY_VOID = _("This invoice is already void.")
CREDIT_NOTE_FINAL = _("A credit note cannot be voided; it corrects an invoice that was voided.")
PERIOD_ORDER = _("The period must end after it starts.")
PAID_IN_FUTURE = _("A payment is recorded once it has arrived: the date cannot be in the future.")
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


def _number(provider: Organization, sequence: int, issued_at: dt.datetime) -> str:
    year = timezone.localtime(issued_at).year
    return f"{settings.BILLING_INVOICE_PREFIX}-{provider.code.upper()}-{year}-{sequence:06d}"


def _counter(provider: Organization) -> InvoiceCounter:
    # The counter row is locked until the issuing transaction ends, so two invoices of one
    # provider never take the same number, and a rolled-back issue gives its numbers back.
    InvoiceCounter.objects.get_or_create(provider=provider)
    return InvoiceCounter.objects.select_for_update().get(provider=provider)


def _next_number(provider: Organization, issued_at: dt.datetime) -> tuple[int, str]:
    counter = _counter(provider)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, _number(provider, counter.last, issued_at)


def _issue(invoices: list[Invoice], *, provider: Organization, now: dt.datetime) -> None:
    """Number the provider's drafts, let vouchers pay their share, and issue them; inside a
    transaction that holds the ledger's lock."""
    counter = _counter(provider)
    due = timezone.localtime(now).date() + dt.timedelta(days=settings.BILLING_PAYMENT_TERM_DAYS)
    for invoice in invoices:
        counter.last += 1
        invoice.sequence, invoice.number = counter.last, _number(provider, counter.last, now)
        invoice.status, invoice.issued_at, invoice.due_date = Invoice.Status.ISSUED, now, due
    counter.save(update_fields=["last"])
    Invoice.objects.bulk_update(invoices, ["sequence", "number", "status", "issued_at", "due_date"])
    paid = vouchers.vouchers_pay_many(invoices=invoices)
    for invoice in invoices:
        invoice.voucher_amount = paid.get(invoice.pk, ZERO)
        invoice.customer_due = invoice.total - invoice.voucher_amount
        if invoice.customer_due == ZERO:
            invoice.status, invoice.paid_at = Invoice.Status.PAID, now
    Invoice.objects.bulk_update(invoices, ["voucher_amount", "customer_due", "status", "paid_at"])
    ledger.append_many([
        ledger.Movement("invoice_issued", f"invoice:{i.pk}", i.total,
                        {"number": i.number, "customer": i.customer_id, "vouchers": i.voucher_amount})
        for i in invoices
    ])  # fmt: skip


def invoice_issue(*, invoice: Invoice, now: dt.datetime | None = None) -> Invoice:
    now = now or timezone.now()
    with transaction.atomic():
        ledger.hold()
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related("provider__region").get(pk=invoice.pk)
        if invoice.status != Invoice.Status.DRAFT:
            raise ValidationError(NOT_DRAFT % {"status": invoice.get_status_display()})
        _totals(invoice)
        invoice.save(update_fields=["net", "vat", "total"])
        _issue([invoice], provider=invoice.provider, now=now)
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
        if invoice.kind == Invoice.Kind.CREDIT_NOTE:
            raise ValidationError(CREDIT_NOTE_FINAL)
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


def payment_record(*, invoice: Invoice, by: User, reference: str, paid_on: dt.date, amount: Decimal | str) -> Payment:
    amount = positive_amount(amount)
    reference = reference.strip()
    if not reference:
        raise ValidationError({"reference": REFERENCE_REQUIRED})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": PAID_IN_FUTURE})
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
    customer (the jobs worker; running it again finds nothing left to invoice). Set-based, one
    transaction per provider: a province's month end is thousands of charges."""
    now = now or timezone.now()
    start, end = _month_bounds(timezone.localtime(now).date().replace(day=1) - dt.timedelta(days=1))
    due = Charge.objects.filter(invoice__isnull=True, service_date__gte=start, service_date__lt=end).exclude(
        customer_class=CustomerClass.INTERNAL
    )
    ids = list(due.order_by("provider_id").values_list("provider_id", flat=True).distinct())
    providers = Organization.objects.select_related("region").in_bulk(ids)
    made = 0
    for provider_id in ids:
        with transaction.atomic():
            ledger.hold()
            rows = list(
                due.filter(provider_id=provider_id)
                .select_for_update(of=("self",))
                .order_by("customer_id", "pk")
                .values_list("pk", "customer_id", "net", "vat")
            )
            by_customer: dict[int, list[tuple]] = {}
            for row in rows:
                by_customer.setdefault(row[1], []).append(row)
            invoices = []
            for customer_id, mine in by_customer.items():
                net, vat = sum((r[2] for r in mine), ZERO), sum((r[3] for r in mine), ZERO)
                invoices.append(Invoice(
                    provider_id=provider_id, customer_id=customer_id, period_start=start, period_end=end,
                    net=net, vat=vat, total=net + vat,
                ))  # fmt: skip
            Invoice.objects.bulk_create(invoices)
            for invoice in invoices:
                Charge.objects.filter(pk__in=[r[0] for r in by_customer[invoice.customer_id]]).update(invoice=invoice)
                invoice.provider = providers[provider_id]
            _issue(invoices, provider=providers[provider_id], now=now)
            made += len(invoices)
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
