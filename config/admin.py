"""What the apps' admins share."""

from django.contrib import admin

from config.models import JobLease


class ReadOnly(admin.ModelAdmin):
    """An admin for looking only: the rows change through their app's services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(JobLease)
class JobLeaseAdmin(ReadOnly):
    """Read only: the jobs workers take and release the leases (config/leases.py)."""

    list_display = ["name", "holder", "expires_at", "last_started", "last_finished", "last_result"]
    readonly_fields = ["name", "holder", "expires_at", "last_started", "last_finished", "last_result", "last_error"]
