"""Voucher claims: providers claim what vouchers paid on their invoices; the programme's
regulator approves or rejects each line with a reason and records the payment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import is_platform_admin, regulated_region
from billing import vouchers
from billing.models import Charge, ClaimLine, VoucherClaim
from billing.voucher_forms import ClaimForm, ClaimLineDecideForm, ClaimPaidForm, add_errors
from billing.voucher_selectors import can_decide_claim, programmes_paying, provider_of, visible_claims

CLAIMS_DENIED = gettext_lazy(
    "Claims are for the finance of provider institutions (organization admins) and for regulators."
)
SUBMIT_DENIED = gettext_lazy("Only an organization admin of a provider institution claims voucher amounts.")
MEASURED = gettext_lazy("measured by a gateway")
CONFIRMED = gettext_lazy("results confirmed by the customer")
EXCEPTION = gettext_lazy("exception approved by the regulator")


def basis(charge: Charge) -> str:
    """Why a voucher could pay this charge."""
    if charge.voucher_exception_at is not None:
        return EXCEPTION
    return CONFIRMED if charge.kind == Charge.Kind.SAMPLES else MEASURED


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_regulator = regulated_region(user) is not None
    provider = provider_of(user)
    if not (is_regulator or provider or is_platform_admin(user)):
        raise PermissionDenied(CLAIMS_DENIED)
    claims = visible_claims(user)
    context = {
        "open": claims.exclude(status=VoucherClaim.Status.PAID),
        "paid": claims.filter(status=VoucherClaim.Status.PAID)[:200],
        "provider": provider,
        "is_regulator": is_regulator,
    }
    return render(request, "billing/vouchers/claims.html", context)


@login_required
def claim_submit(request: HttpRequest) -> HttpResponse:
    provider = provider_of(request.user)
    if provider is None:
        raise PermissionDenied(SUBMIT_DENIED)
    form = ClaimForm(request.POST or None, programmes=programmes_paying(provider))
    if request.method == "POST" and form.is_valid():
        try:
            claim = vouchers.claim_submit(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Claim submitted; the regulator decides on each line."))
            return redirect("billing:voucher-claim", pk=claim.pk)
    status = 400 if form.is_bound else 200
    return render(request, "billing/vouchers/claim_form.html", {"form": form, "provider": provider}, status=status)


def _claim_page(request: HttpRequest, claim: VoucherClaim, status: int = 200, **forms) -> HttpResponse:
    line_forms = forms.get("line_forms", {})
    lines = claim.lines.select_related(
        "payment__invoice__customer", "payment__charge__instrument", "payment__grant", "decided_by"
    )
    context = {
        "claim": claim,
        "rows": [(line, basis(line.payment.charge), line_forms.get(line.pk, ClaimLineDecideForm())) for line in lines],
        "can_decide": can_decide_claim(request.user, claim),
        "paid_form": forms.get("paid_form", ClaimPaidForm()),
    }
    return render(request, "billing/vouchers/claim.html", context, status=status)


def _visible_claim(request: HttpRequest, pk: int) -> VoucherClaim:
    return get_object_or_404(visible_claims(request.user).select_related("submitted_by"), pk=pk)


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_page(request, _visible_claim(request, pk))


def _decidable(request: HttpRequest, claim: VoucherClaim) -> None:
    if not can_decide_claim(request.user, claim):
        raise PermissionDenied(vouchers.NOT_PROGRAMME_REGULATOR)


@login_required
@require_POST
def claim_line_decide(request: HttpRequest, pk: int) -> HttpResponse:
    visible = visible_claims(request.user).values("pk")
    line = get_object_or_404(ClaimLine.objects.select_related("claim__programme"), pk=pk, claim_id__in=visible)
    _decidable(request, line.claim)
    form = ClaimLineDecideForm(request.POST)
    if form.is_valid():
        approve = "approve" in request.POST
        try:
            vouchers.claim_line_decide(line=line, by=request.user, approve=approve, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Approved.") if approve else _("Rejected; the provider sees your reason."))
            return redirect("billing:voucher-claim", pk=line.claim_id)
    claim = _visible_claim(request, line.claim_id)
    return _claim_page(request, claim, status=400, line_forms={line.pk: form})


@login_required
@require_POST
def claim_paid(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _visible_claim(request, pk)
    _decidable(request, claim)
    form = ClaimPaidForm(request.POST)
    if form.is_valid():
        try:
            vouchers.claim_paid(claim=claim, by=request.user, reference=form.cleaned_data["reference"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("billing:voucher-claim", pk=claim.pk)
    return _claim_page(request, claim, status=400, paid_form=form)
