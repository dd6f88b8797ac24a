"""The demo's simulated gateways run their instruments when the calendar says: during the
approved bookings (read through the booking selectors, so a booking approved while the
demo runs is used too) and, on some working days, one short spell of the lab's own,
unbooked use. Measured use then matches the calendar, as it would in a well-run lab.
"""

import datetime as dt
import json
import logging
import random
from pathlib import Path

from django.utils import timezone

from booking.selectors import approved_periods
from gateway import simulate
from gateway.agent import Agent
from gateway.probes import ScheduledProbe

log = logging.getLogger("config.demo.live")

Span = tuple[dt.datetime, dt.datetime]
UNBOOKED_CHANCE = 0.5  # of a working day having a spell of unbooked use, per instrument
UNBOOKED_MINUTES = (20, 45)  # its length; at most one a day
WORKING_HOURS = (dt.time(9), dt.time(18))  # when the lab's own staff run something
MARGIN = dt.timedelta(minutes=30)  # between it and any booking, so it never reads as an overrun
PLAN_DAYS = 2  # today and tomorrow: the plan holds past midnight until the next refresh


def unbooked_spell(code: str, day: dt.date, booked: list[Span]) -> Span | None:
    """The lab's own use of the instrument on the day, if any: the same for the same
    instrument and day (however often the plan is made), clear of every booking."""
    rng = random.Random(f"{code}/{day.isoformat()}")
    if day.weekday() >= 5 or rng.random() >= UNBOOKED_CHANCE:
        return None
    length = dt.timedelta(minutes=rng.randint(*UNBOOKED_MINUTES))
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(day, WORKING_HOURS[0], tz)
    last = dt.datetime.combine(day, WORKING_HOURS[1], tz) - length
    starts = [first + dt.timedelta(minutes=15 * n) for n in range(int((last - first) / dt.timedelta(minutes=15)) + 1)]
    clear = [s for s in starts if all(s + length + MARGIN <= b or s - MARGIN >= e for b, e in booked)]
    if not clear:
        return None
    start = rng.choice(clear)
    return start, start + length


def day_plans(codes: list[str], day: dt.date, days: int = 1) -> dict[str, list[Span]]:
    """When each instrument runs from the start of `day` for `days` days: exactly its
    approved bookings, and the unbooked spells."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(), tz)
    booked = approved_periods(instrument_codes=codes, start=start, end=start + dt.timedelta(days=days))
    plans = {}
    for code in codes:
        spans = list(booked.get(code, []))
        for offset in range(days):
            spell = unbooked_spell(code, day + dt.timedelta(days=offset), booked.get(code, []))
            if spell is not None:
                spans.append(spell)
        plans[code] = sorted(spans)
    return plans


def scheduled_agents(*, credentials: Path, broker: str, outbox_dir: Path, heartbeat_seconds: float) -> list[Agent]:
    """The demo's gateways (as seed_demo registered them), not started, each instrument
    watched by a probe that follows its plan."""
    gateways = len(json.loads(credentials.read_text()))
    return simulate.agents(
        credentials=credentials, broker=broker, gateways=gateways, instruments=1000, outbox_dir=outbox_dir,
        heartbeat_seconds=heartbeat_seconds, probe=lambda code, seed: ScheduledProbe(seed=seed),
    )  # fmt: skip


def plans_refresh(agents: list[Agent], *, now: dt.datetime | None = None) -> int:
    """Give every probe its instrument's plan for today and tomorrow; returns how many
    spans the plans hold."""
    today = timezone.localtime(now or timezone.now()).date()
    probes = {item.code: item.probe for agent in agents for item in agent.watched}
    plans = day_plans(list(probes), today, PLAN_DAYS)
    for code, probe in probes.items():
        probe.plan = [(s.timestamp(), e.timestamp()) for s, e in plans[code]]
    return sum(map(len, plans.values()))
