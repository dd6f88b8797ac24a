from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from instruments import services
from instruments.extensions import instrument_links, instrument_panels
from instruments.filters import InstrumentFilter
from instruments.forms import ImportForm, InstrumentForm, PhotoUploadForm
from instruments.import_files import ImportFileError, read_table
from instruments.imports import ImportReport, import_instruments
from instruments.models import Instrument, InstrumentPhoto
from instruments.permissions import can_edit_instrument, editable_instruments, managed_labs
from instruments.selectors import instrument_catalog

PAGE_SIZE = 12


def catalog(request: HttpRequest) -> HttpResponse:
    filters = InstrumentFilter(request.GET or None, queryset=instrument_catalog())
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "instruments/catalog.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "filtered": any(v for k, v in query.items() if k != "q"),
        },
    )


def detail(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(instrument_catalog(), code=code)
    return render(
        request,
        "instruments/detail.html",
        {
            "instrument": instrument,
            "can_edit": can_edit_instrument(request.user, instrument),
            "links": instrument_links(request, instrument),
            "panels": instrument_panels(request, instrument),
        },
    )


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    labs = managed_labs(request.user)
    if not labs.exists():
        raise PermissionDenied(_("Only lab managers and organization admins manage instruments."))
    instruments = editable_instruments(request.user).select_related("lab", "category").order_by("lab", "code")
    return render(request, "instruments/manage.html", {"labs": labs, "instruments": instruments})


@login_required
def create(request: HttpRequest) -> HttpResponse:
    labs = managed_labs(request.user)
    if not labs.exists():
        raise PermissionDenied(services.EDIT_DENIED)
    form = InstrumentForm(request.POST or None, labs=labs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lab = data.pop("lab")
        if data.get("region") is None:
            data.pop("region")
        try:
            instrument = services.instrument_create(lab=lab, by=request.user, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Instrument %(name)s registered.") % {"name": instrument.name})
            return redirect("instruments:edit", code=instrument.code)
    return render(request, "instruments/edit.html", {"form": form, "instrument": None})


@login_required
def edit(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), code=code)
    if not can_edit_instrument(request.user, instrument):
        raise PermissionDenied(services.EDIT_DENIED)
    form = InstrumentForm(request.POST or None, instance=instrument, labs=managed_labs(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lab = data.pop("lab")
        if data.get("region") is None:
            data["region"] = lab.institution.region
        try:
            services.instrument_update(instrument=instrument, by=request.user, lab=lab, **data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("instruments:edit", code=instrument.code)
    return render(
        request,
        "instruments/edit.html",
        {"form": form, "instrument": instrument, "photo_form": PhotoUploadForm(), "photos": instrument.photos.all()},
    )


@login_required
@require_POST
def photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument.objects.select_related("lab__institution"), code=code)
    if not can_edit_instrument(request.user, instrument):
        raise PermissionDenied(services.EDIT_DENIED)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photos", []):
            messages.error(request, error)
        return redirect("instruments:edit", code=code)
    added = 0
    for upload in form.cleaned_data["photos"]:
        try:
            services.instrument_photo_add(
                instrument=instrument, upload=upload, by=request.user, caption=form.cleaned_data["caption"]
            )
            added += 1
        except ValidationError as error:
            messages.error(request, f"{upload.name}: {' '.join(error.messages)}")
    if added:
        messages.success(request, _("%(count)d photos added.") % {"count": added})
    return redirect("instruments:edit", code=code)


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = get_object_or_404(InstrumentPhoto.objects.select_related("instrument__lab__institution"), pk=pk)
    services.instrument_photo_delete(photo=photo, by=request.user)
    messages.success(request, _("Photo deleted."))
    return redirect("instruments:edit", code=photo.instrument.code)


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    labs = managed_labs(request.user)
    if not labs.exists():
        raise PermissionDenied(services.EDIT_DENIED)
    form = ImportForm(request.POST or None, request.FILES or None, labs=labs)
    report = None
    if request.method == "POST" and form.is_valid():
        report = _run_import(request, form, {lab.institution for lab in labs})
    return render(request, "instruments/import.html", {"form": form, "report": report})


def _run_import(request: HttpRequest, form: ImportForm, institutions: set) -> ImportReport | None:
    lab = form.cleaned_data["lab"]
    if lab is None and len(institutions) > 1:
        form.add_error("lab", _("You manage labs at several institutions: choose the lab."))
        return None
    upload = form.cleaned_data["file"]
    try:
        table = read_table(upload.read(), upload.name)
    except ImportFileError as error:
        form.add_error("file", str(error))
        return None
    return import_instruments(
        institution=lab.institution if lab else next(iter(institutions)),
        table=table,
        lab=lab,
        by=request.user,
        skip_invalid=form.cleaned_data["skip_invalid"],
    )


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
