"""The free-time search over 1,000 instruments for a 7-day window, on SQLite and on a
private PostgreSQL server.

Each database gets the same network: 1,000 bookable instruments, each with its own
opening-hours event (900 open on weekdays 08:30–17:30 through one shared rule, 100 on
weekends 09:00–13:00), a weekly maintenance closure on every tenth, and two held bookings
on every fifth. Measured in process after two warm-up runs: p50 and p95 of wall-clock time, and the p50 of
the process's CPU time:

1. baseline: the straightforward search, kept here: every instrument and policy loaded as
   model instances and every event expanded by django-scheduler, instrument by instrument
   (booking.schedules.occurrences, what the search did before booking.free_search);
2. the search, `booking.free_search.instruments_free` — the ratio is search / baseline;
3. `GET /api/v1/availability/` (7 days, anonymous) and the search page `/booking/search/`
   through Django's handler: filters, the search, the page of 20 serialized or rendered.

    .venv/bin/python -m bench.availability_bench [--runs 40] [--instruments 1000]
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.helpers import TEST_SETTINGS
from tests.servers import PostgresServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--instruments", type=int, default=1000)
    parser.add_argument("--database-url", help="measure on this database only (the runs of main use it)")
    args = parser.parse_args()
    if args.database_url:
        _measure(args)
        return
    print(f"Free-time search, {args.instruments} instruments, 7-day window, {args.runs} runs each (in process)")
    with tempfile.TemporaryDirectory(prefix="availability-bench-") as directory:
        _child(args, f"sqlite:///{Path(directory) / 'bench.sqlite3'}", directory)
        server = PostgresServer().start()
        try:
            _child(args, server.database_url("postgres"), directory)
        finally:
            server.stop()


def _child(args, database_url: str, directory: str) -> None:
    """Each database in a process of its own: Django is set up once per process."""
    environ = {**os.environ, **TEST_SETTINGS, "DEBUG": "0", "DATA_DIR": directory, "LOG_LEVEL": "WARNING",
               "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    command = [sys.executable, "-m", "bench.availability_bench", "--database-url", database_url,
               "--runs", str(args.runs), "--instruments", str(args.instruments)]  # fmt: skip
    subprocess.run(command, env=environ, check=True)


def _measure(args) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from booking.free_search import instruments_free
    from instruments.models import Instrument

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    _seed(args.instruments)
    seeded = time.perf_counter() - began
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=7)
    everything = Instrument.objects.all()
    now = timezone.now()

    # The same answer from both, or the comparison means nothing.
    new = [
        (hit.instrument_id, list(hit.free), list(hit.busy)) for hit in instruments_free(everything, start, end, now=now)
    ]
    old = _baseline(everything, start, end, now)
    assert new == old, "the search and the baseline disagree"

    client = Client()
    window = {"from": start.isoformat(), "to": end.isoformat()}
    api = client.get("/api/v1/availability/", window)
    assert api.status_code == 200 and api.json()["count"] == len(new), api.content[:300]
    runs = {
        "baseline: per-instrument django-scheduler": lambda: _baseline(everything, start, end, now),
        "search (booking.free_search)": lambda: instruments_free(everything, start, end, now=now),
        "GET /api/v1/availability/": lambda: client.get("/api/v1/availability/", window),
        "GET /booking/search/ (page)": lambda: client.get("/booking/search/", {**window, "hours": "1"}),
    }
    # The baseline is slow: fewer runs of it.
    figures = {name: _percentiles(run, args.runs if n else max(5, args.runs // 4)) for n, (name, run) in
               enumerate(runs.items())}  # fmt: skip
    base = figures["baseline: per-instrument django-scheduler"]
    print(f"\n{connection.vendor}: {len(new)} of {args.instruments} instruments with free time; seeded in "
          f"{seeded:.0f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"  {'run':<44}{'p50 ms':>9}{'p95 ms':>9}{'CPU p50 ms':>12}{'p50 / baseline':>16}")
    for name, (p50, p95, cpu) in figures.items():
        print(f"  {name:<44}{p50:>9.1f}{p95:>9.1f}{cpu:>12.1f}{p50 / base[0]:>16.3f}")


def _percentiles(run: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Wall-clock p50 and p95, and the p50 of this process's CPU time (which other work on
    the machine inflates less; it leaves out PostgreSQL's own)."""
    for _ in range(2):
        run()
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(1000 * (time.perf_counter() - began))
        cpu.append(1000 * (time.process_time() - began_cpu))
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2], wall[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))], cpu[len(cpu) // 2]


def _baseline(instruments, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[tuple]:
    """The search as it was: model instances, and django-scheduler event by event."""
    from booking.availability import InstrumentCalendar, clip, merge
    from booking.models import BookingPolicy, Reservation
    from booking.schedules import Span, events_by_calendar, occurrences

    chosen = list(instruments.filter(policy__isnull=False))
    policies = {p.instrument_id: p for p in BookingPolicy.objects.filter(instrument__in=chosen)}
    events = events_by_calendar([c for p in policies.values() for c in (p.opening_hours_id, p.closures_id)])
    longest_buffer = dt.timedelta(minutes=max([p.buffer_minutes for p in policies.values()], default=0))
    held: dict[int, list[Span]] = {}
    for instrument_id, s, b in Reservation.objects.filter(
        instrument__in=chosen, status__in=Reservation.HOLDING, start__lt=end + longest_buffer, blocked_until__gt=start
    ).values_list("instrument_id", "start", "blocked_until"):
        held.setdefault(instrument_id, []).append(Span(s, b))
    found = []
    for instrument in chosen:
        policy = policies[instrument.pk]
        calendar = InstrumentCalendar(
            instrument=instrument, policy=policy, held=held.get(instrument.pk, []),
            open=occurrences(events.get(policy.opening_hours_id, []), start, end),
            closed=occurrences(events.get(policy.closures_id, []), start, end),
        )  # fmt: skip
        free = calendar.free(start, end, now=now)
        if free:
            found.append((instrument.pk, free, clip(merge(calendar.held), start, end)))
    return found


def _seed(count: int) -> None:
    from django.utils import timezone

    from accounts.models import Organization, Region, User
    from booking.models import Reservation
    from booking.policies import policy_create
    from booking.schedules import closure_add
    from instruments.models import Category, Instrument, Lab

    region = Region.objects.get(code="320102")
    university = Organization.objects.create(code="BENCH", name_zh="基准大学", kind="university", region=region)
    firm = Organization.objects.create(code="FIRM", name_zh="企业", kind="enterprise", region=region)
    user = User.objects.create_user("bench", password="x", organization=firm)
    lab = Lab.objects.create(institution=university, code="lab", name_zh="实验室")
    category = Category.objects.get(code="010100")
    instruments = Instrument.objects.bulk_create(
        Instrument(lab=lab, institution=university, code=f"b-{n:04}", name_zh=f"仪器{n}", inner_id=str(n),
                   category=category, original_value=600000, region=region)
        for n in range(count)
    )  # fmt: skip
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    bookings = []
    for n, instrument in enumerate(instruments):
        weekend = n % 10 == 9
        opening = (range(5, 7), dt.time(9), dt.time(13)) if weekend else (range(5), dt.time(8, 30), dt.time(17, 30))
        policy = policy_create(instrument=instrument, by=None, opening=opening, min_notice_minutes=0,
                               min_minutes=30, max_minutes=240, approval_required=False)  # fmt: skip
        if n % 10 == 3:
            closure_add(policy.closures, start=today - dt.timedelta(days=30, hours=-12), reason="维护",
                        end=today - dt.timedelta(days=30, hours=-14), repeat="WEEKLY")  # fmt: skip
        if n % 5 == 0:
            for day in (1, 3):
                begins = today + dt.timedelta(days=day, hours=10)
                bookings.append(Reservation(
                    instrument=instrument, requester=user, organization=firm, is_external=True, start=begins,
                    end=begins + dt.timedelta(hours=2), blocked_until=begins + dt.timedelta(hours=2),
                    status=Reservation.Status.APPROVED, purpose="bench",
                ))  # fmt: skip
    Reservation.objects.bulk_create(bookings)


if __name__ == "__main__":
    main()
