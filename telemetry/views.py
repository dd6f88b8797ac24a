"""Telemetry pages: gateways for lab managers, live dashboards, ingest figures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization
from accounts.permissions import is_platform_admin
from instruments.models import Instrument, Lab
from instruments.permissions import editable_instruments, managed_labs
from telemetry import selectors, services
from telemetry.agent_config import gateway_toml
from telemetry.forms import BindForm, GatewayForm
from telemetry.models import Gateway


@login_required
def gateways(request: HttpRequest) -> HttpResponse:
    labs = managed_labs(request.user)
    if not labs.exists():
        raise PermissionDenied(services.GATEWAY_DENIED)
    form = GatewayForm(request.POST or None, labs=labs)
    if request.method == "POST" and form.is_valid():
        try:
            gateway, secret = services.gateway_register(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _show_secret(request, gateway, secret)
    listed = Gateway.objects.filter(lab__in=labs).select_related("lab", "status").prefetch_related("bindings")
    return render(request, "telemetry/gateways.html", {"form": form, "gateways": listed})


def _show_secret(request: HttpRequest, gateway: Gateway, secret: str) -> HttpResponse:
    """The only time the secret is shown: it is not stored, only its hashes."""
    response = render(request, "telemetry/secret.html", {"gateway": gateway, "secret": secret,
                                                          "toml": gateway_toml(gateway, secret=secret)})  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response


def _gateway(request: HttpRequest, code: str) -> Gateway:
    return get_object_or_404(
        Gateway.objects.filter(lab__in=managed_labs(request.user)).select_related("lab"), code=code
    )


@login_required
def gateway(request: HttpRequest, code: str) -> HttpResponse:
    item = _gateway(request, code)
    candidates = editable_instruments(request.user).filter(institution=item.lab.institution).order_by("code")
    form = BindForm(request.POST or None, instruments=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.instrument_bind(instrument=form.cleaned_data["instrument"], gateway=item, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Instrument bound; the gateway reports for it from now on."))
        return redirect("telemetry:gateway", code=code)
    bound = item.bindings.select_related("instrument")
    return render(request, "telemetry/gateway.html", {"gateway": item, "form": form, "bound": bound,
                                                      "toml": gateway_toml(item)})  # fmt: skip


@login_required
@require_POST
def gateway_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    item = _gateway(request, code)
    if action == "rotate":
        try:
            return _show_secret(request, item, services.gateway_rotate(gateway=item, by=request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    elif action == "revoke":
        services.gateway_revoke(gateway=item, by=request.user)
        messages.success(request, _("Gateway revoked: the broker refuses it and the server ignores what it sends."))
    elif action == "unbind":
        instrument = get_object_or_404(Instrument, pk=request.POST.get("instrument"), binding__gateway=item)
        services.instrument_unbind(instrument=instrument, by=request.user)
    return redirect("telemetry:gateway", code=code)


def _dashboard(request, title, instruments, kind, pk, back) -> HttpResponse:
    template = "telemetry/_statuses.html" if request.GET.get("partial") else "telemetry/dashboard.html"
    return render(request, template, {
        "title": title, "statuses": selectors.live_statuses(instruments), "socket": f"/ws/status/{kind}/{pk}/",
        "back": back,
    })  # fmt: skip


@login_required
def lab_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    lab = get_object_or_404(Lab.objects.select_related("institution__region"), pk=pk)
    if not selectors.can_watch_lab(request.user, lab):
        raise PermissionDenied(_("Only the lab's managers and the regulators of its region watch this lab."))
    return _dashboard(request, str(lab), Instrument.objects.filter(lab=lab), "lab", lab.pk, None)


@login_required
def institution_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Organization.objects.select_related("region"), pk=pk)
    if not selectors.can_watch_institution(request.user, institution):
        raise PermissionDenied(_("Only the institution's admins and the regulators of its region watch it."))
    return _dashboard(request, institution.name, Instrument.objects.filter(institution=institution), "institution",
                      institution.pk, None)  # fmt: skip


def instrument_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live status panel of an instrument page (public), also its partial refresh."""
    instrument = get_object_or_404(Instrument, pk=pk)
    return HttpResponse(status_panel(request, instrument))


def status_panel(request: HttpRequest, instrument: Instrument) -> str:
    (status,) = selectors.live_statuses(Instrument.objects.filter(pk=instrument.pk))
    return render_to_string("telemetry/_status_panel.html", {"status": status, "instrument": instrument}, request)


@login_required
def ingest(request: HttpRequest) -> HttpResponse:
    if not is_platform_admin(request.user):
        raise PermissionDenied(_("The ingest figures are for platform admins."))
    return render(request, "telemetry/ingest.html", selectors.ingest_figures())
