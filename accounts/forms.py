from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from accounts.fields import RegionChoiceField
from accounts.lockout import LoginLocked, login_authenticate
from accounts.models import Region
from accounts.services import MEMBER_ROLES


def username_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("User name"), max_length=150, regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )  # fmt: skip


class SignupForm(forms.Form):
    organization_name = forms.CharField(label=_("Company name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.filter(level__gte=Region.Level.CITY).select_related("parent")
    )
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    username = username_field()
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    username = username_field()
    email = forms.EmailField(label=_("Email"))


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in MEMBER_ROLES])
    active = forms.BooleanField(label=_("Active"), required=False)


class LockoutMixin:
    """AuthenticationForm.clean() behind the lockout of accounts/lockout.py."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(request=self.request, username=username, password=password)
            except LoginLocked as locked:
                raise forms.ValidationError(locked.message, code="locked") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(LockoutMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    pass
