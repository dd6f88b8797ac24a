"""Stories for the flag and evaluation tests: March 2026 (local time), instruments whose
gateways reported all month, and helpers to run detection and read what it found."""

import datetime as dt

from django.utils import timezone

from openness import services
from openness.models import Flag
from tests import factories as f

START = dt.datetime(2026, 3, 1)
DAYS = 31  # March


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    """Local time on March `day` 2026 (day 32 is April 1)."""
    moment = START + dt.timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)
    return timezone.make_aware(moment, timezone.get_current_timezone())


MARCH = (at(1), at(32))


def reporting(instrument=None, **fields):
    """An instrument whose gateway reported from February into April: full coverage."""
    binding = f.BindingFactory(instrument=instrument or f.InstrumentFactory(**fields))
    for ts in (at(1) - dt.timedelta(days=28), at(33)):
        f.EventFactory(gateway=binding.gateway, instrument=binding.instrument, ts=ts)
    return binding.instrument


def run(hours: float, instrument, start=None):
    """A session of `hours` from `start` (default March 30, 00:00)."""
    start = start or at(30)
    end = start + dt.timedelta(hours=hours)
    f.UsageSessionFactory(instrument=instrument, start=start, end=end)
    return start, end


def detect(instrument=None, period=MARCH) -> dict[str, Flag]:
    """Detection on March (or `period`); the instrument's flags by kind."""
    services.flags_detect(start=period[0], end=period[1])
    flags = Flag.objects.filter(period_start=period[0], period_end=period[1])
    if instrument is not None:
        flags = flags.filter(instrument=instrument)
    return {flag.kind: flag for flag in flags}
