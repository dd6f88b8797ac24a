"""An invoice or credit note as a PDF (config.pdf), in the language of the request: the
parties, number and dates, each charge with its lines and where it comes from, VAT, what
vouchers pay, what the customer owes and by when. The figures are the invoice's own."""

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from billing import invoicing, statements
from billing.models import Invoice
from config.pdf import html_to_pdf

TEMPLATE = "billing/invoice_pdf.html"


def invoice_pdf_context(invoice: Invoice) -> dict:
    charges = statements.with_details(invoice.charges.order_by("service_date", "pk"))
    return {
        "invoice": invoice,
        "rows": statements.charge_rows(charges),
        "vat_percent": f"{(settings.BILLING_VAT_RATE * 100).normalize():f}",
        "term_days": settings.BILLING_PAYMENT_TERM_DAYS,
        "overdue": invoicing.is_overdue(invoice, today=timezone.localdate()),
        "site_name": settings.SITE_NAME,
        "generated": timezone.localtime(),
    }


def invoice_pdf(*, request: HttpRequest, invoice: Invoice) -> bytes:
    html = render_to_string(TEMPLATE, invoice_pdf_context(invoice), request=request)
    return html_to_pdf(html)


def filename(invoice: Invoice) -> str:
    name = invoice.number or f"draft-{invoice.pk}"
    return f"{name}-{get_language()}.pdf"
