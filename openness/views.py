"""Openness pages: the regulators' dashboard and its drill-down (province → city → county →
institution → instrument), the public page of each institution, and their downloads.

Each view checks who may look (openness.scopes, as the REST API does), validates the
period and calls openness.dashboards; a table of a page downloads as CSV or XLSX from the
page's own URL (?download=<table>.csv), so a download is scoped exactly as its page.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organization, Region
from config import exports
from instruments.models import Instrument
from openness import annual_report, dashboards, nrii, reports, scopes, tables
from openness.flag_views import flags_panel
from openness.periods import Period, period_from_query, quick_picks
from openness.scopes import Scope


def _scope(request: HttpRequest) -> Scope:
    scope = scopes.scope_for(user=request.user)
    if scope is None:
        raise PermissionDenied(scopes.NOT_ALLOWED)
    return scope


def _sort(request: HttpRequest) -> str:
    sort = request.GET.get("sort", "")
    return sort if sort in reports.SORTS else "sharing"


def _crumbs(scope: Scope | None, region: Region | None, period: Period) -> list[tuple[str, str]]:
    """Links up the region tree, from the top of what the user may see."""
    chain: list[Region] = []
    while region is not None:
        chain.insert(0, region)
        region = region.parent
    if scope is not None and scope.region is not None:
        chain = [r for r in chain if scope.region.contains(r)]
    crumbs = [(_("All regions"), reverse("openness:dashboard"))] if scope is not None and scope.everything else []
    crumbs += [(r.name, reverse("openness:region", args=[r.code])) for r in chain]
    return [(name, f"{url}?{period.query}") for name, url in crumbs]


def _respond(request: HttpRequest, template: str, context: dict, name: str) -> HttpResponse:
    report, period = context["report"], context["period"]
    download = request.GET.get("download")
    if not download:
        return render(request, template, context)
    key, _dot, fmt = download.rpartition(".")
    table = report.tables.get(key)
    if table is None or fmt not in exports.FORMATS:
        raise Http404(_("No table «%(name)s» on this page.") % {"name": download[:40]})
    about = [
        (_("Title"), f"{context['title']} · {table.title}"),
        (_("Period"), f"{period.first.isoformat()} – {period.last.isoformat()}"),
        (_("Page"), request.build_absolute_uri(request.path)),
        (_("Units"), _("Hours with 2 decimals; rates as fractions (0–1); times in Beijing time (UTC+8).")),
    ]
    return exports.table_response(table, fmt, f"openness-{name}-{key}-{period.slug}", about)


def _context(request: HttpRequest, period: Period, form, **extra) -> dict:
    sort = _sort(request)
    return {
        "period": period, "form": form, "sort": sort, "page_rows": tables.PAGE_ROWS,
        "picks": [(label, pick.query) for label, pick in quick_picks()],
        "base_query": f"{period.query}&sort={sort}",
        "sorts": [("sharing", _("sharing rate")), ("effective", _("effective hours")),
                  ("instruments", _("instruments")), ("name", _("code"))],
        **extra,
    }  # fmt: skip


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The top of the user's scope: their region, their institution, or the network."""
    scope = _scope(request)
    if scope.institution is not None:
        url = reverse("openness:institution", args=[scope.institution.code])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    return _area(request, scope, scope.region)


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    scope = _scope(request)
    if scope.institution is not None:
        raise PermissionDenied(scopes.OUTSIDE_INSTITUTION)
    return _area(request, scope, get_object_or_404(Region, code=code))


def _area(request: HttpRequest, scope: Scope, area: Region | None) -> HttpResponse:
    period, form = period_from_query(request.GET)
    instruments = scopes.instruments_in_scope(scope=scope, region=area)  # refuses a region outside the scope
    report = dashboards.area_report(instruments=instruments, period=period, region=area, sort=_sort(request))
    name = area.name if area else _("all regions")
    context = _context(
        request, period, form, report=report, title=_("Openness of %(name)s") % {"name": name}, area=area,
        crumbs=_crumbs(scope, area, period)[:-1] if area else [], cards=tables.area_cards(report.figures,
                                                                                          report.national),
        nrii_query=f"region={area.code}" if area else "",
        low_sharing=tables.display("rate", report.national["low_sharing"]),
        **flags_panel(request=request, instruments=instruments, period=period),
    )  # fmt: skip
    return _respond(request, "openness/area.html", context, area.code if area else "all")


def _institution_instruments(scope: Scope, institution: Organization) -> QuerySet[Instrument]:
    instruments = scopes.instruments_in_scope(scope=scope, institution=institution)
    if scope.region is not None and not scope.region.contains(institution.region) and not instruments.exists():
        raise PermissionDenied(scopes.OUTSIDE_REGION % {"scope": scope.region.name, "code": scope.region.code})
    return instruments


@login_required
def institution(request: HttpRequest, code: str) -> HttpResponse:
    scope = _scope(request)
    item = get_object_or_404(Organization.objects.select_related("region"), code=code)
    instruments = _institution_instruments(scope, item)
    period, form = period_from_query(request.GET)
    report = dashboards.institution_report(instruments=instruments, period=period)
    crumbs = _crumbs(scope, item.region, period) if scope.institution is None else []
    context = _context(
        request, period, form, report=report, title=_("Openness of %(name)s") % {"name": item.name},
        institution=item, crumbs=crumbs, cards=tables.area_cards(report.figures, report.national),
        nrii_query=f"institution={item.code}", **flags_panel(request=request, instruments=instruments, period=period),
    )  # fmt: skip
    return _respond(request, "openness/institution.html", context, item.code)


@login_required
def institution_annual_report(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The institution page's figures for one calendar year, as a PDF: scoped as that page."""
    scope = _scope(request)
    item = get_object_or_404(Organization.objects.select_related("region"), code=code)
    instruments = _institution_instruments(scope, item)
    period = annual_report.year_period(year)
    if period is None:
        raise Http404(annual_report.NO_SUCH_YEAR)
    pdf = annual_report.annual_report_pdf(
        request=request, institution=item, instruments=instruments, year=year, period=period
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # Inline: a browser shows the report; the name is there for "save as".
    response["Content-Disposition"] = f'inline; filename="{annual_report.filename(item, year)}"'
    return response


@login_required
def instrument(request: HttpRequest, code: str) -> HttpResponse:
    scope = _scope(request)
    visible = scopes.instruments_in_scope(scope=scope).select_related("institution__region", "lab", "category")
    item = get_object_or_404(visible, code=code)
    period, form = period_from_query(request.GET)
    report = dashboards.instrument_report(instrument=item, period=period)
    crumbs = _crumbs(scope, item.institution.region, period) if scope.institution is None else []
    url = reverse("openness:institution", args=[item.institution.code])
    context = _context(
        request, period, form, report=report, title=item.name, item=item,
        crumbs=[*crumbs, (item.institution.name, f"{url}?{period.query}")],
        cards=tables.instrument_cards(report.figures, report.national),
        **flags_panel(request=request, instruments=visible.filter(pk=item.pk), period=period),
    )  # fmt: skip
    return _respond(request, "openness/instrument.html", context, item.code)


def public_index(request: HttpRequest) -> HttpResponse:
    """Every institution with in-scope instruments, each linking to its public page."""
    institutions = Organization.objects.filter(
        pk__in=nrii.in_scope(Instrument.objects.all()).values("institution")
    ).select_related("region")
    return render(request, "openness/public_index.html", {"institutions": institutions})


def public_institution(request: HttpRequest, code: str) -> HttpResponse:
    """The headline figures of an institution, for anyone: sums only, never who booked."""
    item = get_object_or_404(Organization, code=code, kind__in=Organization.OWNER_KINDS)
    period, form = period_from_query(request.GET)
    report = dashboards.public_report(instruments=Instrument.objects.filter(institution=item), period=period)
    context = _context(
        request, period, form, report=report, title=_("Openness of %(name)s") % {"name": item.name},
        institution=item, cards=tables.area_cards(report.figures, report.national),
    )  # fmt: skip
    return _respond(request, "openness/public_institution.html", context, f"public-{item.code}")


def _asked_instruments(request: HttpRequest) -> QuerySet[Instrument]:
    scope = _scope(request)
    area = get_object_or_404(Region, code=code) if (code := request.GET.get("region")) else None
    item = get_object_or_404(Organization, code=code) if (code := request.GET.get("institution")) else None
    return scopes.instruments_in_scope(scope=scope, region=area, institution=item)


def _json(document: dict, filename: str) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    # Inline: a browser shows the records; the name is there for "save as".
    response["Content-Disposition"] = f'inline; filename="{filename}.json"'
    return response


@login_required
def nrii_instruments(request: HttpRequest) -> HttpResponse:
    document = nrii.instruments_document(instruments=_asked_instruments(request))
    return _json(document, "nrii-instruments")


@login_required
def nrii_services(request: HttpRequest) -> HttpResponse:
    instruments = _asked_instruments(request)
    period, form = period_from_query(request.GET)
    if form.errors:
        return JsonResponse({k: [str(m) for m in v] for k, v in form.errors.items()}, status=400)
    document = nrii.services_document(instruments=instruments, period=period)
    return _json(document, f"nrii-services-{period.slug}")
