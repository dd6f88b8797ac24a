"""Invoice pages: the list (as provider or as customer), an invoice with its charges,
payments and credit notes, and the provider's finance actions (draft, issue, void, record a
payment) through billing.invoicing, whose errors go back onto the form fields.

Who sees an invoice is billing.permissions.visible_invoices (anyone else gets a 404); who
acts on it is can_bill (a visitor who may see it but not act gets a 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization, User
from accounts.permissions import belongs_to, is_platform_admin
from billing import invoice_pdf, invoicing, statements
from billing.forms import DraftForm, InvoiceFilterForm, PaymentForm, VoidForm
from billing.models import Charge, CustomerClass, Invoice
from billing.permissions import can_bill, is_finance_of, visible_invoices

PAGE_SIZE = 50
NOT_FINANCE = _("Only the finance of the providing institution (its organization admins) does this.")


def _visible(request: HttpRequest, pk: int) -> Invoice:
    invoices = visible_invoices(request.user).select_related("provider", "customer", "corrects")
    return get_object_or_404(invoices, pk=pk)


def _billable(request: HttpRequest, pk: int) -> Invoice:
    invoice = _visible(request, pk)
    if not can_bill(request.user, invoice):
        raise PermissionDenied(NOT_FINANCE)
    return invoice


def _add_errors(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """The service's errors on the form's fields (named as the service names them, or mapped)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (fields or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def finance_providers(user: User) -> QuerySet[Organization]:
    """The institutions whose invoices the user makes."""
    if is_platform_admin(user):
        return Organization.objects.filter(pk__in=Charge.objects.values("provider")).order_by("code")
    if user.organization and is_finance_of(user, user.organization) and user.organization.can_own_instruments:
        return Organization.objects.filter(pk=user.organization_id)
    return Organization.objects.none()


def _uninvoiced(providers: QuerySet[Organization]) -> QuerySet[Charge]:
    # For the choices only: invoice_draft decides what goes on an invoice.
    return Charge.objects.filter(provider__in=providers, invoice__isnull=True).exclude(
        customer_class=CustomerClass.INTERNAL
    )


def _side(invoices: QuerySet[Invoice], user: User, side: str) -> QuerySet[Invoice]:
    if side == "provider":
        return invoices.filter(provider_id=user.organization_id)
    if side == "customer":
        return invoices.filter(customer_id=user.organization_id)
    return invoices


@login_required
def invoices(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    form = InvoiceFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = _side(visible_invoices(user), user, params.get("side", ""))
    if params.get("status"):
        chosen = chosen.filter(status=params["status"])
    chosen = chosen.select_related("provider", "customer", "corrects").order_by("-created_at", "-pk")
    if params.get("overdue"):
        items = [i for i in chosen.filter(status=Invoice.Status.ISSUED) if invoicing.is_overdue(i, today=today)]
    else:
        items = chosen
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for invoice in page.object_list:
        invoice.overdue = invoicing.is_overdue(invoice, today=today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoices.html",
        {"form": form, "page": page, "query": query.urlencode(), "may_draft": finance_providers(user).exists()},
    )


@login_required
def invoice_draft(request: HttpRequest) -> HttpResponse:
    providers = finance_providers(request.user)
    if not providers.exists():
        raise PermissionDenied(NOT_FINANCE)
    pending = _uninvoiced(providers)
    customers = Organization.objects.filter(pk__in=pending.values("customer")).order_by("code")
    form = DraftForm(request.POST or None, providers=providers, customers=customers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = invoicing.invoice_draft(
                provider=data["provider"], customer=data["customer"], period_start=data["from"],
                period_end=data["to"],
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error, {"period_end": "to", "period_start": "from"})
        else:
            messages.success(request, _("Draft made. Check it, then issue it."))
            return redirect("billing:invoice", pk=invoice.pk)
    summary = list(
        pending.values("provider", "customer")
        .annotate(count=Count("pk"), net=Sum("net"), first=Min("service_date"), last=Max("service_date"))
        .order_by("provider", "customer")
    )
    names = Organization.objects.in_bulk({pk for row in summary for pk in (row["provider"], row["customer"])})
    for row in summary:
        row["provider"], row["customer"] = names[row["provider"]], names[row["customer"]]
    only = providers.first() if len(providers) == 1 else None
    return render(request, "billing/invoice_draft.html", {"form": form, "summary": summary, "provider": only})


def _detail_context(request: HttpRequest, invoice: Invoice, **extra) -> dict:
    user, today = request.user, timezone.localdate()
    billing = can_bill(user, invoice)
    payable = invoice.kind == Invoice.Kind.INVOICE and invoice.status == Invoice.Status.ISSUED
    has_payments = invoice.payments.exists()
    charges = statements.with_details(invoice.charges.order_by("service_date", "pk"))
    return {
        "invoice": invoice, "rows": statements.charge_rows(charges),
        "overdue": invoicing.is_overdue(invoice, today=today),
        "payments": invoice.payments.select_related("recorded_by"),
        "credit_notes": invoice.credit_notes.order_by("pk"),
        "voucher_payments": invoice.voucher_payments.select_related("grant__programme", "charge__instrument"),
        "can_bill": billing, "as_customer": belongs_to(user, invoice.customer) and not billing,
        "may_issue": billing and invoice.status == Invoice.Status.DRAFT,
        "may_void": billing and invoice.kind == Invoice.Kind.INVOICE and not has_payments
        and invoice.status in (Invoice.Status.DRAFT, Invoice.Status.ISSUED),
        "payment_form": PaymentForm() if billing and payable and invoice.outstanding > 0 else None,
        **extra,
    }  # fmt: skip


@login_required
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "billing/invoice.html", _detail_context(request, _visible(request, pk)))


@login_required
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _billable(request, pk)
    try:
        issued = invoicing.invoice_issue(invoice=invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Issued as %(number)s.") % {"number": issued.number})
    return redirect("billing:invoice", pk=pk)


@login_required
def invoice_void(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page that says what voiding does; voiding needs a reason."""
    invoice = _billable(request, pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = invoicing.invoice_void(invoice=invoice, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if note is not None:
                messages.success(request, _("Voided; credit note %(number)s issued.") % {"number": note.number})
            else:
                messages.success(request, _("Draft voided; its charges can be invoiced again."))
            return redirect("billing:invoice", pk=pk)
    return render(request, "billing/invoice_void.html", {"invoice": invoice, "form": form})


@login_required
@require_POST
def invoice_payment(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _billable(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = invoicing.payment_record(
                invoice=invoice, by=request.user, reference=data["reference"], paid_on=data["paid_on"],
                amount=data["amount"],
            )  # fmt: skip
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Payment of ¥%(amount)s recorded.") % {"amount": payment.amount})
            return redirect("billing:invoice", pk=pk)
    context = _detail_context(request, invoice)
    return render(request, "billing/invoice.html", {**context, "payment_form": form})


@login_required
def invoice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible(request, pk)
    response = HttpResponse(invoice_pdf.invoice_pdf(request=request, invoice=invoice), content_type="application/pdf")
    # Inline: a browser shows it; the name is there for "save as".
    response["Content-Disposition"] = f'inline; filename="{invoice_pdf.filename(invoice)}"'
    return response
