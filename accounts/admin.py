from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import AdminLoginForm
from accounts.lockout import login_unlock
from accounts.models import LoginFailure, Organization, Region, RegionAlias, User

# The admin's sign-in page answers to the same lockout as the site's.
admin.site.login_form = AdminLoginForm


def _unlock(modeladmin: admin.ModelAdmin, request, usernames: list[str]) -> None:
    unlocked = sum(login_unlock(username=name) for name in usernames)
    modeladmin.message_user(
        request,
        ngettext("Unlocked sign-in for %(count)d user name.", "Unlocked sign-in for %(count)d user names.", unlocked)
        % {"count": unlocked},
        messages.SUCCESS,
    )


class RegionAliasInline(admin.TabularInline):
    model = RegionAlias
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name_zh", "name_en", "aliases__name_zh"]
    inlines = [RegionAliasInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["region"]


MANAGES_LABS = _("This user manages labs of their institution: name other managers there first.")


class UserForm(UserChangeForm):
    def clean_organization(self):
        # Lab managers are members of the lab's institution (instruments.services.lab_set_managers).
        organization = self.cleaned_data.get("organization")
        if self.instance.pk and self.instance.managed_labs.exclude(institution=organization).exists():
            raise ValidationError(MANAGES_LABS)
        return organization


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Deactivating, deleting or changing the role of a user closes their open sockets
    (accounts.signals)."""

    form = UserForm
    list_display = ["username", "email", "first_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization__kind"]
    autocomplete_fields = ["organization"]
    fieldsets = [
        *BaseUserAdmin.fieldsets[:2],
        (_("Organization and role"), {"fields": ["organization", "role"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Organization and role"), {"fields": ["organization", "role", "email"]}),
    ]
    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in after failed attempts"))
    def unlock_sign_in(self, request, queryset) -> None:
        _unlock(self, request, list(queryset.values_list("username", flat=True)))


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed sign-ins per user name, as typed (the name need not exist)."""

    list_display = ["username", "count", "first_at", "last_at", "locked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "count", "first_at", "last_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Unlock sign-in after failed attempts"))
    def unlock(self, request, queryset) -> None:
        _unlock(self, request, list(queryset.values_list("username", flat=True)))
