from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region, RegionAlias, User


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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
