"""Charges: the list of those a user may see (billing.permissions.visible_charges): a lab
manager's labs', an institution's as its finance, a customer's own, a regulator's region's;
filtered and totalled, and downloaded as a statement (CSV or XLSX) from the page's own URL,
so that a statement holds exactly the charges of the page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Organization
from billing import statements
from billing.forms import ChargeFilterForm
from billing.permissions import visible_charges
from config import exports
from instruments.models import Instrument

PAGE_SIZE = 50


def _filter_form(request: HttpRequest, visible) -> ChargeFilterForm:
    return ChargeFilterForm(
        request.GET or None,
        instruments=Instrument.objects.filter(pk__in=visible.values("instrument")).order_by("code"),
        customers=Organization.objects.filter(pk__in=visible.values("customer")).order_by("code"),
    )


def _title(request: HttpRequest, params: dict) -> str:
    user = request.user
    if params.get("customer"):
        return _("Charges to %(name)s") % {"name": params["customer"].name}
    if params.get("side") == "customer" and user.organization:
        return _("Charges to %(name)s") % {"name": user.organization.name}
    if params.get("side") == "provider" and user.organization:
        return _("Charges made by %(name)s") % {"name": user.organization.name}
    return _("Charges")


def _statement(request: HttpRequest, charges, params: dict, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404(_("Statements are CSV or XLSX."))
    rows = statements.charge_rows(statements.with_details(charges))
    sums = statements.totals(charges)
    about = statements.statement_about(
        title=_title(request, params), params=params, sums=sums, page=request.build_absolute_uri()
    )
    first, after = params.get("from"), params.get("to")
    span = f"{first.isoformat() if first else 'start'}_{after.isoformat() if after else 'now'}"
    return exports.table_response(statements.statement_table(rows), fmt, f"charges-{span}", about)


@login_required
def charges(request: HttpRequest) -> HttpResponse:
    visible = visible_charges(request.user)
    form = _filter_form(request, visible)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = statements.filtered(visible, user=request.user, params=params).order_by("-service_date", "-pk")
    if download := request.GET.get("download"):
        return _statement(request, chosen, params, download)
    page = Paginator(statements.with_details(chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/charges.html",
        {
            "form": form, "page": page, "rows": statements.charge_rows(page.object_list),
            "totals": statements.totals(chosen), "title": _title(request, params), "query": query.urlencode(),
            "by_cost_centre": statements.by_cost_centre(chosen) if params.get("customer_class") == "internal" else [],
        },
    )  # fmt: skip
