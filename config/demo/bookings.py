"""Seeding booking rules and a believable spread of bookings for the demo."""

import datetime as dt
import random

from django.utils import timezone

from accounts.models import User
from booking import policies, services
from booking.models import Reservation
from config.demo import data
from config.demo.purposes import firms_for, research_purpose, startup_purpose
from instruments.models import Instrument

# Public holidays of fixed date, (month, day) and days: the labs close; the month calendar
# shows them closed.
HOLIDAYS = [((1, 1), 1, "元旦"), ((5, 1), 5, "劳动节"), ((10, 1), 7, "国庆节")]


def seed_bookings(*, rng: random.Random) -> None:
    now = timezone.now()
    firms = {u.username: u for u in User.objects.filter(username__in=[firm[3] for firm in data.FIRMS])}
    insider = User.objects.get(username="seu_researcher")
    instruments = list(Instrument.objects.select_related("lab__institution", "category").order_by("code"))
    for n, instrument in enumerate(instruments):
        saturday = n % 4 == 0
        policy = policies.policy_create(
            instrument=instrument, by=None,
            opening=(range(6) if saturday else range(5), dt.time(8, 30), dt.time(17, 30)),
            approval_required=n % 5 != 0, min_notice_minutes=60, max_days_ahead=60,
            buffer_minutes=rng.choice([0, 0, 15]),
        )  # fmt: skip
        for start, end, name in _next_holidays(now):
            policies.closure_add(policy=policy, by=None, start=start, end=end, reason=name)
        if n % 3 == 0:
            friday = _local_day(now, 0) + dt.timedelta(days=(4 - _local_day(now, 0).weekday()) % 7)
            start = dt.datetime.combine(friday, dt.time(16, 0), timezone.get_current_timezone())
            policies.closure_add(policy=policy, by=None, start=start, end=start + dt.timedelta(minutes=90),
                                 reason="例行维护", repeat="WEEKLY")  # fmt: skip
        if not instrument.bookable:
            continue
        manager = instrument.lab.managers.first()
        for day in range(-20, 15):
            if rng.random() > 0.35:
                continue
            if instrument.institution.code == "SEU" and rng.random() < 0.5:
                requester, (purpose, samples) = insider, research_purpose(rng)
            else:
                firm = rng.choice(firms_for(instrument.category.code))
                requester, (purpose, samples) = firms[firm], startup_purpose(firm, instrument.category.code, rng)
            hour = rng.choice([9, 10, 13, 14])
            start = dt.datetime.combine(_local_day(now, day), dt.time(hour), timezone.get_current_timezone())
            _book(instrument, requester, manager, start, rng, now, purpose=purpose, samples=samples)


def _next_holidays(now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """Each holiday's next occurrence (or the one under way)."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    found = []
    for (month, day), days, name in HOLIDAYS:
        first = dt.date(today.year, month, day)
        if first + dt.timedelta(days=days) <= today:
            first = first.replace(year=today.year + 1)
        start = dt.datetime.combine(first, dt.time(), tz)
        found.append((start, start + dt.timedelta(days=days), name))
    return found


def _local_day(now: dt.datetime, offset: int) -> dt.date:
    return timezone.localtime(now).date() + dt.timedelta(days=offset)


def _book(instrument, requester, manager, start, rng, now, *, purpose: str, samples: str) -> None:
    end = start + dt.timedelta(hours=rng.choice([1, 2, 3]))
    # Past bookings are made as if at the time, through the same service as today's;
    # future ones were asked for in the last hours, so that their requests still wait.
    if start < now:
        asked = start - dt.timedelta(days=rng.randint(2, 6))
    else:
        asked = now - dt.timedelta(hours=rng.randint(1, 20))
    try:
        reservation = services.reservation_create(
            instrument=instrument, requester=requester, start=start, end=end, purpose=purpose,
            sample_description=samples, now=asked,
            service_way=rng.choice(list(Reservation.ServiceWay.values)),
        )  # fmt: skip
    except (services.BookingInvalid, services.BookingConflict):
        return  # closed, out of hours or taken: a real requester would pick another slot
    if reservation.status != Reservation.Status.PENDING or manager is None:
        return
    if start < now or rng.random() < 0.6:
        decided = asked + (reservation.expires_at - asked) * rng.uniform(0.1, 0.9)  # before it expires
        if rng.random() < 0.9:
            services.reservation_approve(reservation=reservation, by=manager, now=decided)
        else:
            services.reservation_reject(reservation=reservation, by=manager, reason="该时段需仪器校准，请改约")
