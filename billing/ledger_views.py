"""The money journal's check (the same as `manage.py verify_ledger`) for regulators and platform admins."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import is_platform_admin, regulated_region
from billing import ledger
from billing.models import LedgerEntry, LedgerHead

LEDGER_DENIED = _("The ledger check is for regulators and platform admins.")
LATEST = 50
KIND_LABELS = {
    "charge": _("Charge"),
    "invoice_issued": _("Invoice issued"),
    "credit_note": _("Credit note"),
    "payment": _("Payment"),
    "programme": _("Voucher programme"),
    "voucher_grant": _("Voucher grant decided"),
    "voucher_payment": _("Voucher payment"),
    "voucher_reversal": _("Voucher payment reversed"),
    "voucher_exception": _("Voucher exception"),
    "voucher_expiry": _("Voucher balance released"),
    "claim": _("Voucher claim"),
    "claim_decision": _("Claim line decided"),
    "claim_paid": _("Claim paid"),
}


@login_required
@require_http_methods(["GET", "POST"])
def ledger_check(request: HttpRequest) -> HttpResponse:
    if regulated_region(request.user) is None and not is_platform_admin(request.user):
        raise PermissionDenied(LEDGER_DENIED)
    # Reading the whole chain takes a while on a long journal: only when asked.
    verdict = ledger.verify() if request.method == "POST" else None
    entries = [(e, KIND_LABELS.get(e.kind, e.kind)) for e in LedgerEntry.objects.order_by("-id")[:LATEST]]
    context = {"verdict": verdict, "entries": entries, "head": LedgerHead.objects.filter(pk=1).first()}
    return render(request, "billing/vouchers/ledger.html", context)
