from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import InviteForm, MemberForm, SignupForm
from accounts.invitations import send_invitation
from accounts.models import User
from accounts.permissions import is_org_admin_of
from accounts.services import MEMBERS_DENIED, member_invite, member_update, startup_signup
from config.throttle import throttle_post


@throttle_post("signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = startup_signup(
                organization_name=data["organization_name"],
                credit_code=data["credit_code"],
                region=data["region"],
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your company is registered; you can book instruments now."))
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def organization(request: HttpRequest) -> HttpResponse:
    """An organization's admins: see the members, invite colleagues."""
    org = request.user.organization
    if org is None or not is_org_admin_of(request.user, org) or not org.can_own_instruments:
        raise PermissionDenied(MEMBERS_DENIED)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_invite(organization=org, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            send_invitation(member, invited_by=request.user)
            messages.success(request, _("%(name)s is invited; an email with a link to set a password is on its way.")
                             % {"name": member.display_name})  # fmt: skip
            return redirect("organization")
    members = org.users.order_by("-is_active", "username")
    return render(request, "accounts/organization.html", {"org": org, "form": form, "members": members})


@login_required
@require_POST
def member(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk, organization=request.user.organization)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member_update(member=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect("organization")
