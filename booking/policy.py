"""The booking rules, as one object that returns every problem it finds.

`BookingRules.problems()` checks a request against an instrument's policy and answers
with all reasons at once, each tied to the field a person should change. It knows
nothing of HTTP or forms; every door asks it through booking.services. A deployment
may swap it (settings.BOOKING_RULES) for a stricter or looser one.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from booking import credit
from booking.availability import InstrumentCalendar, merge
from booking.models import BookingPolicy
from instruments.models import Instrument

END_NOT_AFTER_START = _("The end must be after the start.")
IN_THE_PAST = _("This time has already begun; choose a later start.")
TOO_SHORT_NOTICE = _("Book at least %(minutes)d minutes ahead; the earliest start now is %(earliest)s.")
TOO_FAR_AHEAD = _("Bookings open at most %(days)d days ahead, until %(latest)s.")
TOO_SHORT = _("A booking lasts at least %(minutes)d minutes.")
TOO_LONG = _("A booking lasts at most %(minutes)d minutes.")
NOT_ALIGNED = _("Start and end on whole slots of %(minutes)d minutes (e.g. 09:00, 09:%(example)02d).")
OUTSIDE_OPENING_HOURS = _("The instrument is not open for the whole period; see its opening hours.")
CLOSED = _("The instrument is closed then: %(reason)s.")
NOT_BOOKABLE = _("This instrument is not open for booking (%(status)s).")
NO_POLICY = _("The lab has not opened this instrument for booking yet.")
NOT_SHARED_EXTERNALLY = _("This instrument is shared inside its institution only.")
NOT_ALLOWED = _("Your organization is not among those allowed to book this instrument.")
INSTITUTION_ONLY = _("Only members of %(institution)s may book this instrument.")
NOT_TRAINED = _("Only users trained on this instrument may book it; ask the lab for training.")
NO_ORGANIZATION = _("Your account belongs to no organization, so it cannot book.")
CREDIT_SUSPENDED = _(
    "After repeated no-shows, late cancellations or overdue invoices, your bookings are suspended until %(until)s."
)


@dataclass(frozen=True)
class Problem:
    field: str  # "start", "end", "instrument" or "non_field_errors"
    message: str


@dataclass(frozen=True)
class BookingRequest:
    instrument: Instrument
    requester: User
    start: dt.datetime
    end: dt.datetime


class BookingRules:
    def __init__(self, *, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self._standings: dict[int, credit.Standing] = {}

    def problems(self, request: BookingRequest, calendar: InstrumentCalendar) -> list[Problem]:
        found: list[Problem] = []
        policy = calendar.policy
        found += self._instrument(request, policy)
        found += self._who(request, policy)
        found += self._time(request, policy)
        found += self._credit(request)
        if policy is not None and request.end > request.start:
            found += self._hours(request, calendar)
        return found

    def who_problems(self, request: BookingRequest, policy: BookingPolicy | None) -> list[Problem]:
        """The rules about the instrument and the person, without those about time: whether
        they may use its services at all (sample orders ask this)."""
        return self._instrument(request, policy) + self._who(request, policy) + self._credit(request)

    def auto_approves(self, request: BookingRequest, policy: BookingPolicy) -> bool:
        if not self.standing(request.requester).is_good:
            return False  # marks against the requester: a lab manager decides, whatever the policy
        if not policy.approval_required:
            return True
        if policy.auto_approve_users.filter(pk=request.requester.pk).exists():
            return True
        organization_id = request.requester.organization_id
        return organization_id is not None and policy.auto_approve_organizations.filter(pk=organization_id).exists()

    def standing(self, requester: User) -> credit.Standing:
        """The requester's credit (booking.credit), asked once per request."""
        if requester.pk not in self._standings:
            self._standings[requester.pk] = credit.credit_standing(user=requester, now=self.now)
        return self._standings[requester.pk]

    def _credit(self, request: BookingRequest) -> list[Problem]:
        standing = self.standing(request.requester)
        if standing.state == credit.SUSPENDED and standing.ends is not None:
            return [Problem("non_field_errors", CREDIT_SUSPENDED % {"until": local_time(standing.ends)})]
        return []

    def _instrument(self, request: BookingRequest, policy: BookingPolicy | None) -> list[Problem]:
        instrument = request.instrument
        if instrument.status != Instrument.Status.NORMAL or instrument.share_mode == Instrument.ShareMode.NONE:
            label = instrument.get_status_display() if instrument.status != Instrument.Status.NORMAL else (
                instrument.get_share_mode_display()
            )  # fmt: skip
            return [Problem("instrument", NOT_BOOKABLE % {"status": label})]
        if policy is None:
            return [Problem("instrument", str(NO_POLICY))]
        return []

    def _who(self, request: BookingRequest, policy: BookingPolicy | None) -> list[Problem]:
        user, instrument = request.requester, request.instrument
        if user.organization_id is None:
            return [Problem("non_field_errors", str(NO_ORGANIZATION))]
        insider = user.organization_id == instrument.institution_id
        if instrument.share_mode == Instrument.ShareMode.INTERNAL and not insider:
            return [Problem("non_field_errors", str(NOT_SHARED_EXTERNALLY))]
        if policy is None:
            return []
        who = policy.who_may_book
        if who == BookingPolicy.WhoMayBook.INSTITUTION and not insider:
            return [Problem("non_field_errors", INSTITUTION_ONLY % {"institution": instrument.institution.name})]
        if (
            who == BookingPolicy.WhoMayBook.ORGANIZATIONS
            and not insider
            and not policy.allowed_organizations.filter(pk=user.organization_id).exists()
        ):
            return [Problem("non_field_errors", str(NOT_ALLOWED))]
        if who == BookingPolicy.WhoMayBook.TRAINED and not policy.trained_users.filter(pk=user.pk).exists():
            return [Problem("non_field_errors", str(NOT_TRAINED))]
        return []

    def _time(self, request: BookingRequest, policy: BookingPolicy | None) -> list[Problem]:
        start, end = request.start, request.end
        if end <= start:
            return [Problem("end", str(END_NOT_AFTER_START))]
        found = []
        if start < self.now:
            found.append(Problem("start", str(IN_THE_PAST)))
        if policy is None:
            return found
        earliest = self.now + dt.timedelta(minutes=policy.min_notice_minutes)
        if self.now <= start < earliest:
            found.append(Problem("start", TOO_SHORT_NOTICE % {"minutes": policy.min_notice_minutes,
                                                             "earliest": local_time(earliest)}))  # fmt: skip
        latest = self.now + dt.timedelta(days=policy.max_days_ahead)
        if end > latest:
            found.append(
                Problem("start", TOO_FAR_AHEAD % {"days": policy.max_days_ahead, "latest": local_time(latest)})
            )
        minutes = (end - start).total_seconds() / 60
        if minutes < policy.min_minutes:
            found.append(Problem("end", TOO_SHORT % {"minutes": policy.min_minutes}))
        if minutes > policy.max_minutes:
            found.append(Problem("end", TOO_LONG % {"minutes": policy.max_minutes}))
        step = policy.granularity_minutes
        if any(_minutes_after_midnight(moment) % step for moment in (start, end)):
            found.append(Problem("start", NOT_ALIGNED % {"minutes": step, "example": step % 60}))
        return found

    def _hours(self, request: BookingRequest, calendar: InstrumentCalendar) -> list[Problem]:
        found = []
        if not any(s.start <= request.start and request.end <= s.end for s in merge(calendar.open)):
            found.append(Problem("start", str(OUTSIDE_OPENING_HOURS)))
        for closure in calendar.closed:
            if closure.start < request.end and request.start < closure.end:
                when = f"{local_time(closure.start)} – {local_time(closure.end)}"
                found.append(Problem("start", CLOSED % {"reason": f"{closure.label} ({when})"}))
                break
        return found


def local_time(moment: dt.datetime) -> str:
    """A moment as people here read it: 2026-11-25 09:30, Beijing time."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _minutes_after_midnight(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)


def rules(*, now: dt.datetime | None = None) -> BookingRules:
    kind: type[BookingRules] = import_string(getattr(settings, "BOOKING_RULES", "booking.policy.BookingRules"))
    return kind(now=now)
