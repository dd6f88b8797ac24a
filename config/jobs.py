"""What the jobs worker runs, and how often (seconds)."""

from collections.abc import Callable
from dataclasses import dataclass

from booking.jobs import reminders_send
from booking.notifications import emails_send
from booking.services import reservations_expire


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], int]
    every: int


JOBS = [
    Job("expire undecided requests", reservations_expire, 60),
    Job("remind of bookings", reminders_send, 300),
    Job("send notification emails", emails_send, 15),
]
