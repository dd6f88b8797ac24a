"""What the apps' admins share."""

from django.contrib import admin


class ReadOnly(admin.ModelAdmin):
    """An admin for looking only: the rows change through their app's services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
