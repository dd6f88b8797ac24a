"""Innovation voucher pages (科技创新券): programmes, applications and grants, and regulators'
exceptions for unverified use. Providers' claims are in billing.claim_views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organization, Region
from accounts.permissions import regulated_region
from billing import vouchers
from billing.models import VoucherGrant, VoucherPayment
from billing.permissions import can_run_programme, visible_grants, visible_programmes
from billing.voucher_forms import ApplyForm, GrantDecideForm, ProgrammeForm, add_errors
from billing.voucher_selectors import (
    can_create_programmes,
    exception_candidates,
    programme_status,
    with_estimates,
)

STATUS_LABELS = {"open": gettext_lazy("Open"), "upcoming": gettext_lazy("Not open yet"), "ended": gettext_lazy("Ended")}
EXCEPTIONS_FOR_REGULATORS = gettext_lazy("Exceptions for unverified use are decided by regulators.")
PAYMENTS = Prefetch("payments", queryset=VoucherPayment.objects.select_related("invoice", "charge__instrument"))


def _is_enterprise(organization: Organization | None) -> bool:
    return organization is not None and organization.kind == Organization.Kind.ENTERPRISE


def programme_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    programmes = visible_programmes(request.user)
    rows = [(p, STATUS_LABELS[programme_status(p, today)]) for p in programmes]
    context = {"rows": rows, "can_create": can_create_programmes(request.user) is not None}
    return render(request, "billing/vouchers/programmes.html", context)


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    scope = can_create_programmes(request.user)
    if scope is None:
        raise PermissionDenied(vouchers.NOT_REGULATOR)
    form = ProgrammeForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            programme = vouchers.programme_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Programme created; enterprises can apply from its page."))
            return redirect("billing:voucher-programme", pk=programme.pk)
    status = 400 if form.is_bound else 200
    return render(request, "billing/vouchers/programme_form.html", {"form": form, "scope": scope}, status=status)


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(visible_programmes(request.user), pk=pk)
    user = request.user
    status = programme_status(programme, timezone.localdate())
    context = {
        "programme": programme,
        "status": STATUS_LABELS[status],
        "province_wide": programme.provider_region.level == Region.Level.PROVINCE,
        "runs_it": can_run_programme(user, programme),
    }
    if context["runs_it"]:
        grants = programme.grants.select_related("enterprise__region").order_by("created_at", "pk")
        context["applications"] = [g for g in grants if g.status == VoucherGrant.Status.APPLIED]
        context["grants"] = [g for g in grants if g.status != VoucherGrant.Status.APPLIED]
        context["totals"] = grants.exclude(status=VoucherGrant.Status.APPLIED).aggregate(
            amount=Sum("amount"), balance=Sum("balance")
        )
    elif user.is_authenticated and _is_enterprise(user.organization):
        context["my_grant"] = programme.grants.filter(enterprise_id=user.organization_id).first()
        context["can_apply"] = context["my_grant"] is None and status == "open"
    return render(request, "billing/vouchers/programme.html", context)


@login_required
def grant_apply(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(visible_programmes(request.user), pk=pk)
    if not _is_enterprise(request.user.organization):
        raise PermissionDenied(vouchers.NOT_ENTERPRISE)
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = vouchers.grant_apply(by=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Application sent; the regulator will grant an amount or tell you why not."))
            return redirect("billing:voucher-grant", pk=grant.pk)
    existing = programme.grants.filter(enterprise_id=request.user.organization_id).first()
    context = {"programme": programme, "form": form, "existing": existing}
    return render(request, "billing/vouchers/apply.html", context, status=400 if form.is_bound else 200)


@login_required
def my_vouchers(request: HttpRequest) -> HttpResponse:
    organization = request.user.organization
    grants = VoucherGrant.objects.none()
    if _is_enterprise(organization):
        grants = VoucherGrant.objects.filter(enterprise=organization).select_related("programme")
    context = {"grants": grants.prefetch_related(PAYMENTS), "is_enterprise": _is_enterprise(organization)}
    return render(request, "billing/vouchers/mine.html", context)


def _grant_page(request: HttpRequest, grant: VoucherGrant, form: GrantDecideForm, status: int = 200) -> HttpResponse:
    context = {
        "grant": grant,
        "form": form,
        "can_decide": grant.status == VoucherGrant.Status.APPLIED and can_run_programme(request.user, grant.programme),
        "payments": grant.payments.select_related("invoice", "charge__instrument"),
    }
    return render(request, "billing/vouchers/grant.html", context, status=status)


def _visible_grant(request: HttpRequest, pk: int) -> VoucherGrant:
    grants = visible_grants(request.user).select_related("programme", "enterprise__region", "applicant")
    return get_object_or_404(grants, pk=pk)


@login_required
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible_grant(request, pk)
    suggested = min(grant.requested, grant.programme.cap_per_enterprise, grant.programme.budget_left)
    return _grant_page(request, grant, GrantDecideForm(initial={"amount": suggested}))


@login_required
@require_POST
def grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible_grant(request, pk)
    if not can_run_programme(request.user, grant.programme):
        raise PermissionDenied(vouchers.NOT_PROGRAMME_REGULATOR)
    form = GrantDecideForm(request.POST)
    if form.is_valid():
        refuse = "refuse" in request.POST
        amount = None if refuse else form.cleaned_data["amount"]
        if not refuse and amount is None:
            form.add_error("amount", vouchers.AMOUNT_POSITIVE)
        else:
            try:
                grant = vouchers.grant_decide(
                    grant=grant, by=request.user, amount=amount, refuse_reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                done = _("Refused; the applicant sees your reason.") if refuse else _("Granted.")
                messages.success(request, done)
                return redirect("billing:voucher-programme", pk=grant.programme_id)
    return _grant_page(request, grant, form, status=400)


def _regulator_only(request: HttpRequest) -> None:
    if regulated_region(request.user) is None:
        raise PermissionDenied(EXCEPTIONS_FOR_REGULATORS)


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    _regulator_only(request)
    charges = list(exception_candidates(request.user).order_by("service_date", "pk")[:200])
    context = {"candidates": with_estimates(charges, request.user)}
    return render(request, "billing/vouchers/exceptions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def exception_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the approval of one charge."""
    _regulator_only(request)
    charge = get_object_or_404(exception_candidates(request.user), pk=pk)
    if request.method == "POST":
        try:
            vouchers.voucher_exception_approve(charge=charge, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Approved: a voucher pays its share of this charge when it is invoiced."))
        return redirect("billing:voucher-exceptions")
    [candidate] = with_estimates([charge], request.user)
    return render(request, "billing/vouchers/exception_confirm.html", {"candidate": candidate})
