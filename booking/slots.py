"""The periods the pages offer for booking: a link from free time, a click on the week
calendar, a search result. Each offers a start and a proposed end that the instrument's
rules allow: an hour (or the shortest booking, if longer), never past the longest booking
nor past the free time."""

import datetime as dt
from dataclasses import dataclass

from booking.models import BookingPolicy
from booking.schedules import Span

# A click on the week calendar picks a start on this grid (or the policy's slots, if coarser).
CLICK_MINUTES = 30


def proposed_minutes(policy: BookingPolicy) -> int:
    return min(max(60, policy.min_minutes), policy.max_minutes)


def offered_end(policy: BookingPolicy, start: dt.datetime, until: dt.datetime | None = None) -> dt.datetime:
    """The end proposed for a booking from `start`: `until` (the end of the free time, or
    the end a link asked for) when given, else an hour; never longer than the longest booking."""
    longest = start + dt.timedelta(minutes=policy.max_minutes)
    end = until if until is not None else start + dt.timedelta(minutes=proposed_minutes(policy))
    return min(end, longest)


@dataclass(frozen=True)
class Slot:
    """A piece of free time on the week calendar and the booking a click on it offers."""

    span: Span  # where it is drawn
    start: dt.datetime  # the start it offers
    end: dt.datetime


def click_slots(policy: BookingPolicy, free: Span) -> list[Slot]:
    """The free span cut into click targets. A click late in the span, where a booking
    would not fit, offers the latest start that fits."""
    step = dt.timedelta(minutes=_click_step(policy.granularity_minutes))
    grain = dt.timedelta(minutes=policy.granularity_minutes)
    # Free time starts on the policy's slots and is at least the shortest booking long.
    latest = free.start + (free.end - dt.timedelta(minutes=policy.min_minutes) - free.start) // grain * grain
    slots, moment = [], free.start
    while moment < free.end:
        start = min(moment, latest)
        end = min(start + dt.timedelta(minutes=proposed_minutes(policy)), free.end)
        slots.append(Slot(Span(moment, min(moment + step, free.end)), start, end))
        moment += step
    return slots


def _click_step(granularity: int) -> int:
    """The smallest multiple of the policy's slot that is at least CLICK_MINUTES."""
    return granularity * max(1, -(-CLICK_MINUTES // granularity))
