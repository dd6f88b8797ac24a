"""An institution's admins set up its labs and name their managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from instruments import services
from instruments.forms import LabForm, LabManagersForm
from instruments.models import Lab
from instruments.permissions import can_admin_labs


def _institution(request: HttpRequest):
    institution = request.user.organization
    if institution is None or not can_admin_labs(request.user, institution) or not institution.can_own_instruments:
        raise PermissionDenied(services.LABS_DENIED)
    return institution


@login_required
def labs(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    form = LabForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lab = services.lab_create(institution=institution, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Lab %(name)s created; now name its managers.") % {"name": lab.name})
            return redirect("instruments:lab", pk=lab.pk)
    labs = institution.labs.prefetch_related("managers")
    return render(request, "instruments/labs.html", {"institution": institution, "labs": labs, "form": form})


@login_required
def lab(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _institution(request)
    lab = get_object_or_404(Lab, pk=pk, institution=institution)
    members = institution.users.filter(is_active=True).order_by("username")
    form = LabManagersForm(request.POST or None, members=members, initial={"managers": lab.managers.all()})
    if request.method == "POST" and form.is_valid():
        services.lab_set_managers(lab=lab, managers=list(form.cleaned_data["managers"]), by=request.user)
        messages.success(request, _("Lab managers saved."))
        return redirect("instruments:labs")
    return render(request, "instruments/lab.html", {"lab": lab, "form": form})
