"""Service ratings: a customer rates a completed booking or sample order once (1–5 for the
service, the instrument's condition and timeliness, and a comment); the lab replies once.

Ratings are public: the averages and the latest comments show on the instrument's page and
in the API, without the customer's name. NRII service records carry a rating's words
(`nrii_comment`).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from billing.models import Rating
from booking.models import Reservation, SampleOrder
from instruments.models import Instrument
from instruments.permissions import can_manage_lab

DIMENSIONS = ("service", "condition", "timeliness")
SCORE_RANGE = _("Give a whole number from 1 to 5.")
NOT_REQUESTER = _("Only the person who booked or ordered may rate it.")
NOT_COMPLETED = _("Only a completed booking or sample order can be rated.")
ALREADY_RATED = _("This has been rated already; a rating is given once.")
REPLY_DENIED = _("Only the instrument's lab managers reply to its ratings.")
REPLY_REQUIRED = _("Write a reply.")
ALREADY_REPLIED = _("The lab has replied already; a reply is given once.")
ONE_SUBJECT = _("Give a booking or a sample order to rate, one of them.")
MAX_TEXT = 2000

# NRII's satisfaction words for an average: the nearest whole score, halves rounding up.
NRII_WORDS = ((4.5, "非常满意"), (3.5, "满意"), (2.5, "一般"), (1.5, "不满意"))
NRII_WORST = "极差"


def _is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def rating_create(
    *,
    by: User,
    reservation: Reservation | None = None,
    sample_order: SampleOrder | None = None,
    service: int,
    condition: int,
    timeliness: int,
    comment: str = "",
) -> Rating:
    if (reservation is None) == (sample_order is None):
        raise ValidationError(ONE_SUBJECT)
    subject = reservation if reservation is not None else sample_order
    if subject.requester_id != by.pk:
        raise PermissionDenied(NOT_REQUESTER)
    scores = {"service": service, "condition": condition, "timeliness": timeliness}
    errors = {name: [SCORE_RANGE] for name, value in scores.items() if not _is_score(value)}
    if len(comment) > MAX_TEXT:
        errors["comment"] = [_("At most %(count)d characters.") % {"count": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    completed = Reservation.Status.COMPLETED if reservation is not None else SampleOrder.Status.COMPLETED
    if subject.status != completed:
        raise ValidationError(NOT_COMPLETED)
    if Rating.objects.filter(reservation=reservation, sample_order=sample_order).exists():
        raise ValidationError(ALREADY_RATED)
    try:
        # The one-to-one keys forbid a second rating; two at once: the loser is told so.
        with transaction.atomic():
            return Rating.objects.create(
                reservation=reservation, sample_order=sample_order, instrument_id=subject.instrument_id,
                customer=by, comment=comment.strip(), **scores,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(ALREADY_RATED) from None


def rating_reply(*, rating: Rating, by: User, text: str, now: dt.datetime | None = None) -> Rating:
    if not can_manage_lab(by, rating.instrument.lab):
        raise PermissionDenied(REPLY_DENIED)
    text = text.strip()
    if not text:
        raise ValidationError({"text": [REPLY_REQUIRED]})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": [_("At most %(count)d characters.") % {"count": MAX_TEXT}]})
    with transaction.atomic():
        # Locked: two managers replying at once must not both write theirs.
        locked = Rating.objects.select_for_update().get(pk=rating.pk)
        if locked.replied_at is not None:
            raise ValidationError(ALREADY_REPLIED)
        locked.reply, locked.replied_by, locked.replied_at = text, by, now or timezone.now()
        locked.save(update_fields=["reply", "replied_by", "replied_at"])
    return locked


# Reads.


@dataclass(frozen=True)
class RatingSummary:
    """Averages over an instrument's ratings, to two places; None without ratings.
    `overall` is the mean of the three dimensions (equal to the mean of each rating's average)."""

    count: int = 0
    service: float | None = None
    condition: float | None = None
    timeliness: float | None = None
    overall: float | None = None

    @property
    def nrii(self) -> str | None:
        return nrii_comment(self.overall)


def ratings_summary_many(instrument_ids) -> dict[int, RatingSummary]:
    """Summaries of many instruments from one query; instruments without ratings are left out."""
    rows = (
        Rating.objects.filter(instrument_id__in=list(instrument_ids))
        .order_by()
        .values("instrument_id")
        .annotate(count=Count("id"), **{name: Avg(name) for name in DIMENSIONS})
    )
    summaries = {}
    for row in rows:
        means = [float(row[name]) for name in DIMENSIONS]
        summaries[row["instrument_id"]] = RatingSummary(
            row["count"], *(round(m, 2) for m in means), overall=round(sum(means) / 3, 2)
        )
    return summaries


def instrument_rating_summary(instrument: Instrument) -> RatingSummary:
    return ratings_summary_many([instrument.pk]).get(instrument.pk, RatingSummary())


def ratings_visible() -> QuerySet[Rating]:
    """Everyone sees ratings (without the customer's name)."""
    return Rating.objects.select_related("instrument__lab__institution", "replied_by")


def instrument_ratings_latest(instrument: Instrument, *, limit: int = 5) -> list[Rating]:
    return list(ratings_visible().filter(instrument=instrument)[:limit])


def nrii_comment(average: float | None) -> str | None:
    """NRII's satisfaction (非常满意/满意/一般/不满意/极差) for an average of 1–5: the nearest
    whole score (≥ 4.5 非常满意, ≥ 3.5 满意, ≥ 2.5 一般, ≥ 1.5 不满意, else 极差); None unrated."""
    if average is None:
        return None
    return next((word for floor, word in NRII_WORDS if average >= floor), NRII_WORST)


def can_rate(user, subject: Reservation | SampleOrder) -> bool:
    """Whether to offer "Rate": the requester, completed, not rated yet."""
    return (
        user.is_authenticated
        and subject.requester_id == user.pk
        and subject.status == "completed"
        and not Rating.objects.filter(**{_subject_field(subject): subject}).exists()
    )


def _subject_field(subject: Reservation | SampleOrder) -> str:
    return "reservation" if isinstance(subject, Reservation) else "sample_order"


def unrated(user: User, *, limit: int = 10) -> list[Reservation | SampleOrder]:
    """The requester's latest completed bookings and sample orders without a rating."""
    bookings = list(
        Reservation.objects.filter(requester=user, status=Reservation.Status.COMPLETED, rating__isnull=True)
        .select_related("instrument")
        .order_by("-start")[:limit]
    )
    orders = list(
        SampleOrder.objects.filter(requester=user, status=SampleOrder.Status.COMPLETED, rating__isnull=True)
        .select_related("instrument")
        .order_by("-completed_at", "-id")[:limit]
    )
    return bookings + orders


def attach_rating_summaries(instruments) -> None:
    """Set `rating_average` (overall, None unrated) and `rating_count` on each instrument of
    an API answer, from one query (instruments.extensions.register_api_figures)."""
    summaries = ratings_summary_many(instrument.pk for instrument in instruments)
    for instrument in instruments:
        summary = summaries.get(instrument.pk, RatingSummary())
        instrument.rating_average, instrument.rating_count = summary.overall, summary.count
