"""Customers' ratings of completed bookings and sample orders, and the labs' replies."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking.models import Reservation, SampleOrder
from instruments.models import Instrument


class Rating(models.Model):
    """A customer's one rating of a completed booking or sample order, and the lab's one reply."""

    reservation = models.OneToOneField(Reservation, models.PROTECT, null=True, blank=True, related_name="rating")
    sample_order = models.OneToOneField(SampleOrder, models.PROTECT, null=True, blank=True, related_name="rating")
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="ratings")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="ratings")
    service = models.PositiveSmallIntegerField(_("service"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    condition = models.PositiveSmallIntegerField(
        _("instrument condition"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    timeliness = models.PositiveSmallIntegerField(
        _("timeliness"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(_("the lab's reply"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(reservation__isnull=False, sample_order__isnull=True)
                | Q(reservation__isnull=True, sample_order__isnull=False),
                name="rating_of_one_booking_or_order",
            ),
            *[
                models.CheckConstraint(condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"rating_{f}_1_to_5")
                for f in ("service", "condition", "timeliness")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.instrument}: {self.service}/{self.condition}/{self.timeliness}"

    @property
    def average(self) -> float:
        return (self.service + self.condition + self.timeliness) / 3
