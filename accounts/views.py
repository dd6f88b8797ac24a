from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import SignupForm
from accounts.services import startup_signup


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
