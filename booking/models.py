import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from schedule.models import Calendar

from accounts.models import Organization, User
from instruments.models import Instrument


class BookingPolicy(models.Model):
    """An instrument's booking rules, edited by its lab managers.

    Opening hours and closures (maintenance, holidays) are django-scheduler events in
    two calendars of their own, so that their recurrence is expanded by its rules.
    """

    class WhoMayBook(models.TextChoices):
        ANYONE = "anyone", _("Anyone with an account")
        ORGANIZATIONS = "organizations", _("Listed organizations and the owning institution")
        INSTITUTION = "institution", _("Members of the owning institution only")
        TRAINED = "trained", _("Users listed as trained only")

    instrument = models.OneToOneField(Instrument, models.CASCADE, related_name="policy", verbose_name=_("instrument"))
    opening_hours = models.OneToOneField(Calendar, models.PROTECT, related_name="+", editable=False)
    closures = models.OneToOneField(Calendar, models.PROTECT, related_name="+", editable=False)
    min_minutes = models.PositiveIntegerField(_("shortest booking (minutes)"), default=30)
    max_minutes = models.PositiveIntegerField(_("longest booking (minutes)"), default=480)
    granularity_minutes = models.PositiveIntegerField(
        _("slot granularity (minutes)"), default=30, help_text=_("Bookings start and end on multiples of this.")
    )
    max_days_ahead = models.PositiveIntegerField(_("book at most this many days ahead"), default=60)
    min_notice_minutes = models.PositiveIntegerField(_("book at least this many minutes ahead"), default=60)
    buffer_minutes = models.PositiveIntegerField(_("buffer after each booking (minutes)"), default=0)
    who_may_book = models.CharField(
        _("who may book"), max_length=20, choices=WhoMayBook.choices, default=WhoMayBook.ANYONE
    )
    allowed_organizations = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("organizations allowed to book")
    )
    trained_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("trained users")
    )
    approval_required = models.BooleanField(_("requests need a lab manager's approval"), default=True)
    auto_approve_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("users approved automatically")
    )
    auto_approve_organizations = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("organizations approved automatically")
    )
    cancel_deadline_minutes = models.PositiveIntegerField(
        _("users may cancel until this many minutes before the start"), default=120
    )
    pending_expiry_hours = models.PositiveIntegerField(_("a pending request expires after this many hours"), default=48)
    # Renewed with every change to the opening hours or closures (booking.policies), so
    # that processes may keep them in memory under it (booking.recurrence.RowCache).
    schedule_version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(condition=models.Q(min_minutes__gt=0), name="policy_min_positive"),
            models.CheckConstraint(condition=models.Q(granularity_minutes__gt=0), name="policy_granularity_positive"),
            models.CheckConstraint(
                condition=models.Q(max_minutes__gte=models.F("min_minutes")), name="policy_max_not_below_min"
            ),
        ]

    def __str__(self) -> str:
        return str(self.instrument)


class Reservation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")

    HOLDING = (Status.PENDING, Status.APPROVED)

    class ServiceWay(models.TextChoices):
        USE = "use", _("Use of the instrument (占用共享)")
        TECHNICAL = "technical", _("Technical service (技术共享)")
        ENTRUSTED = "entrusted", _("Entrusted testing (委托共享)")
        REMOTE = "remote", _("Remote use (远程共享)")

    instrument = models.ForeignKey(
        Instrument, models.PROTECT, related_name="reservations", verbose_name=_("instrument")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="reservations", verbose_name=_("requester")
    )
    # The requester's organization when they asked: the bill and the openness figures
    # follow it even if the person changes jobs later.
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="reservations", verbose_name=_("organization")
    )
    is_external = models.BooleanField(_("external user"), editable=False)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # End of the time the booking holds the instrument: `end` plus the policy's buffer.
    # The no-overlap guarantee is on [start, blocked_until).
    blocked_until = models.DateTimeField(editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(_("reason"), blank=True)
    purpose = models.TextField(_("purpose"))
    sample_description = models.TextField(_("samples"), blank=True)
    service_way = models.CharField(_("service way"), max_length=12, choices=ServiceWay.choices, default=ServiceWay.USE)
    # Users of the owning institution charge their use to a grant or cost centre (经费卡号).
    cost_centre = models.CharField(_("grant or cost centre (经费卡号)"), max_length=64, blank=True)
    # Cancelled by its requester after approval, less than LATE_CANCEL_HOURS before the start.
    cancelled_late = models.BooleanField(_("cancelled late"), default=False, editable=False)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    expires_at = models.DateTimeField(_("pending until"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the booking is settled from measured usage (telemetry).
    measured_minutes = models.FloatField(_("measured use (minutes)"), null=True, blank=True, editable=False)
    overrun_minutes = models.FloatField(_("overrun (minutes)"), null=True, blank=True, editable=False)
    usage_verified = models.BooleanField(
        _("use measured by telemetry"), null=True, blank=True, editable=False,
        help_text=_("No: the instrument had no reporting gateway; the outcome is as declared."),
    )  # fmt: skip
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The `ref` of an imported booking (manage.py import_bookings): importing it again
    # finds it here instead of booking it twice. Empty for bookings made here.
    import_ref = models.CharField(_("import reference"), max_length=64, null=True, blank=True, unique=True,
                                  editable=False)  # fmt: skip
    # Set on some instances, never stored: the requester's record at the deciding manager's labs
    # (booking.selectors.requester_history_attach); the history entries written with a new booking
    # and the lab's managers told of it (booking.services.reservation_create).
    requester_history: dict[str, int]
    history_written: "list[ReservationEvent]"
    managers_told: "list[User]"

    class Meta:
        ordering = ["start"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [
            models.Index(fields=["instrument", "start"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="reservation_end_after_start"),
            models.CheckConstraint(
                condition=models.Q(blocked_until__gte=models.F("end")), name="reservation_blocked_covers_period"
            ),
            # On PostgreSQL, migration 0002 adds the exclusion constraint that forbids two
            # holding reservations of one instrument to overlap.
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    @property
    def outcome(self) -> str | None:
        """completed | no_show | unverified once settled (or imported as such), else None.
        A completed booking not measured by telemetry is unverified, as openness counts it."""
        if self.status == self.Status.NO_SHOW:
            return "no_show"
        if self.status == self.Status.COMPLETED:
            return "completed" if self.usage_verified else "unverified"
        return None

    @property
    def measured_hours(self) -> float | None:
        return None if self.measured_minutes is None else self.measured_minutes / 60


class ReservationEvent(models.Model):
    """One status change: who, when, why."""

    reservation = models.ForeignKey(Reservation, models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=Reservation.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Reservation.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("booking history entry")
        verbose_name_plural = _("booking history entries")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class Notification(models.Model):
    """An in-app notice; `emailed_at` is set once the jobs worker has mailed it.

    The booking's status and reason are copied when the notice is made: the mail goes out
    later, when the booking may have moved on, and must say what the notice announced.
    """

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Booking request received")
        BOOKED = "booked", _("New booking, approved automatically")
        APPROVED = "approved", _("Booking approved")
        REJECTED = "rejected", _("Booking rejected")
        EXPIRED = "expired", _("Booking request expired")
        CANCELLED = "cancelled", _("Booking cancelled")
        REMINDER = "reminder", _("Booking starts soon")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reservation = models.ForeignKey(Reservation, models.CASCADE, related_name="notifications")
    status = models.CharField(max_length=12, choices=Reservation.Status.choices, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether the notice is to be mailed: only what asks something of the person is.
    mail = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["emailed_at", "email_attempts"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user}"


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class FeedToken(models.Model):
    """The secret in a subscribable calendar URL: a user's own bookings, or, for a lab
    manager, every booking of one instrument."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="feed_tokens")
    instrument = models.ForeignKey(Instrument, models.CASCADE, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "instrument"], name="one_feed_per_user_and_instrument"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(instrument__isnull=True), name="one_personal_feed_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"feed of {self.user}" + (f" for {self.instrument}" if self.instrument_id else "")


def _results_path(instance: "SampleOrder", filename: str) -> str:
    return f"sample-results/{instance.instrument_id}/{secrets.token_hex(8)}-{filename[-80:]}"


class SampleOrder(models.Model):
    """Entrusted testing (委托测试): a customer sends N samples for an instrument's service;
    the lab accepts or rejects, records the results and completes it; it is billed per sample."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    instrument = models.ForeignKey(
        Instrument, models.PROTECT, related_name="sample_orders", verbose_name=_("instrument")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="sample_orders", verbose_name=_("requester")
    )
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="sample_orders", verbose_name=_("organization")
    )
    is_external = models.BooleanField(_("external user"), editable=False)
    samples = models.PositiveIntegerField(_("number of samples"))
    description = models.TextField(_("samples and tests wanted"))
    cost_centre = models.CharField(_("grant or cost centre (经费卡号)"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(_("reason"), blank=True)
    results = models.FileField(_("results"), upload_to=_results_path, blank=True)
    results_note = models.TextField(_("results note"), blank=True)
    created_at = models.DateTimeField(_("ordered"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    # The customer confirmed the results: only then may a voucher pay for the order.
    confirmed_at = models.DateTimeField(_("results confirmed"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sample order")
        verbose_name_plural = _("sample orders")
        constraints = [
            models.CheckConstraint(condition=models.Q(samples__gt=0), name="sample_order_samples_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} × {self.samples}"


class CreditMark(models.Model):
    """One mark against a user (and their organization): a no-show, a late cancellation, or
    an invoice overdue beyond the limit. Marks in the rolling window count; a lifted one does not."""

    class Kind(models.TextChoices):
        NO_SHOW = "no_show", _("No-show")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        OVERDUE = "overdue", _("Overdue invoice")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="credit_marks",
        verbose_name=_("user"),
    )  # fmt: skip
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="credit_marks", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reservation = models.ForeignKey(
        Reservation, models.PROTECT, null=True, blank=True, related_name="credit_marks", editable=False
    )
    # What the mark is about when it is not a booking (an invoice number).
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    at = models.DateTimeField(_("when"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("credit mark")
        verbose_name_plural = _("credit marks")
        indexes = [models.Index(fields=["organization", "at"]), models.Index(fields=["user", "at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation", "kind"], condition=models.Q(reservation__isnull=False),
                name="one_mark_per_booking_and_kind",
            ),
            models.UniqueConstraint(
                fields=["organization", "reference", "kind"], condition=~models.Q(reference=""),
                name="one_mark_per_reference_and_kind",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.organization}"
