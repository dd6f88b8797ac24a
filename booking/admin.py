"""Admin for platform admins. Reservations are made and changed through the booking
service here too, so the rules and the no-overlap guarantee hold in the admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from schedule import models as schedule

from booking import services
from booking.models import (
    BookingPolicy,
    CreditMark,
    FeedToken,
    Notification,
    Reservation,
    ReservationEvent,
    SampleOrder,
)
from config.admin import ReadOnly

# Opening hours and closures are django-scheduler rows behind each booking policy, kept in
# the shape booking reads (booking/schedules.py) by the instrument's booking rules page.
# django-scheduler's own admin would edit raw recurrence rules, in English only: hidden.
for model in (schedule.Calendar, schedule.CalendarRelation, schedule.Event, schedule.EventRelation,
              schedule.Occurrence, schedule.Rule):  # fmt: skip
    admin.site.unregister(model)


@admin.register(BookingPolicy)
class BookingPolicyAdmin(ReadOnly):
    """Read only: a policy and the calendars behind it change on the instrument's booking
    rules page (booking.policies), which checks the lab and keeps them in step."""

    list_display = ["instrument", "who_may_book", "approval_required", "min_minutes", "max_minutes"]
    list_filter = ["who_may_book", "approval_required"]
    search_fields = ["instrument__code", "instrument__name_zh"]


class EventInline(admin.TabularInline):
    model = ReservationEvent
    fields = ["at", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["instrument", "start", "end", "requester", "organization", "status", "is_external"]
    list_filter = ["status", "service_way", "is_external"]
    search_fields = ["instrument__code", "instrument__name_zh", "requester__username", "organization__name_zh"]
    date_hierarchy = "start"
    autocomplete_fields = ["instrument", "requester"]
    inlines = [EventInline]
    actions = ["approve", "cancel"]

    def has_add_permission(self, request) -> bool:
        return False  # booked on the booking pages or through the API, where the rules apply

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancelled through the action instead: history, charges and credit marks stay whole

    def get_readonly_fields(self, request, obj=None):
        # Status changes go through the actions (the booking service); the rest is history.
        return [f.name for f in Reservation._meta.fields]

    @admin.action(description=_("Approve the selected pending requests"))
    def approve(self, request, queryset):
        self._each(request, queryset, lambda r: services.reservation_approve(reservation=r, by=request.user))

    @admin.action(description=_("Cancel the selected bookings"))
    def cancel(self, request, queryset):
        reason = str(_("Cancelled by a platform admin."))
        self._each(
            request, queryset, lambda r: services.reservation_cancel(reservation=r, by=request.user, reason=reason)
        )

    def _each(self, request, queryset, change) -> None:
        done = 0
        for reservation in queryset.select_related("instrument__lab"):
            try:
                change(reservation)
                done += 1
            except services.TransitionNotAllowed as refused:
                self.message_user(request, f"{reservation}: {refused.message}", messages.WARNING)
        self.message_user(request, _("%(count)d bookings changed.") % {"count": done})


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    """Read only: notices are written by booking.notifications and read by their users."""

    list_display = ["user", "kind", "reservation", "created_at", "read_at", "emailed_at", "email_attempts"]
    list_filter = ["kind"]


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    """Feeds are made on the feed pages; here a leaked one can be deleted."""

    list_display = ["user", "instrument", "created_at"]
    readonly_fields = ["user", "instrument", "token", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CreditMark)
class CreditMarkAdmin(admin.ModelAdmin):
    """Read only: marks are made by the booking lifecycle and billing, and lifted with a
    reason on the credit marks page (booking.credit), so that the rule holds there too."""

    list_display = ["at", "kind", "user", "organization", "reservation", "reference", "lifted_at"]
    list_filter = ["kind", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "organization__code", "organization__name_zh", "reference"]
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CreditMark._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SampleOrder)
class SampleOrderAdmin(ReadOnly):
    """Read only: orders change through booking.samples (the lab's and the customer's doors)."""

    list_display = ["instrument", "organization", "samples", "status", "created_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["instrument__code", "organization__code"]
