"""Booking benchmarks on a private PostgreSQL server.

1. Reservation-create throughput and p50/p99 latency with 32 concurrent clients over
   HTTP against daphne, next to a baseline of the same clients reading an instrument
   (GET /api/v1/instruments/{id}/) through the same stack in the same run.
2. An availability search over 1,000 instruments for a 7-day window, next to a
   baseline of merely loading those instruments and their policies.

    .venv/bin/python -m bench.booking_bench [--seconds 10] [--clients 32] [--servers 1]
"""

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import threading
import time
from urllib.parse import urlsplit

from tests.helpers import TEST_SETTINGS
from tests.servers import PostgresServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--servers", type=int, default=1, help="daphne processes")
    parser.add_argument("--instruments", type=int, default=1000)
    args = parser.parse_args()

    server = PostgresServer().start()
    try:
        os.environ.update(TEST_SETTINGS, DATABASE_URL=server.database_url("postgres"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        instruments, tokens = _seed(args.instruments, args.clients)
        print(f"PostgreSQL {server.port}, {len(instruments)} instruments, {args.clients} clients, "
              f"{args.servers} daphne process(es), {args.seconds:.0f} s per run")  # fmt: skip
        _http_runs(args, instruments, tokens, server)
        _availability_runs(instruments)
    finally:
        server.stop()


def _seed(count: int, clients: int):
    from rest_framework.authtoken.models import Token

    from accounts.models import Organization, Region, User
    from booking.policies import policy_create
    from instruments.models import Category, Instrument, Lab

    region = Region.objects.get(code="320102")
    university = Organization.objects.create(code="BENCH", name_zh="基准大学", kind="university", region=region)
    lab = Lab.objects.create(institution=university, code="lab", name_zh="实验室")
    category = Category.objects.get(code="010100")
    instruments = Instrument.objects.bulk_create(
        Instrument(lab=lab, institution=university, code=f"b-{n}", name_zh=f"仪器{n}", inner_id=str(n),
                   category=category, original_value=600000, region=region)
        for n in range(count)
    )  # fmt: skip
    for instrument in instruments:
        policy_create(
            instrument=instrument, by=None, opening=(range(7), dt.time(0, 0), dt.time(23, 30)),
            min_notice_minutes=0, max_days_ahead=365, min_minutes=30, max_minutes=60, approval_required=False,
        )  # fmt: skip
    firm = Organization.objects.create(code="FIRM", name_zh="企业", kind="enterprise", region=region)
    tokens = []
    for n in range(clients):
        user = User.objects.create_user(f"client{n}", password="x", organization=firm)
        tokens.append(Token.objects.create(user=user).key)
    return instruments, tokens


def _client(url: str, token: str, make_request, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    n = 0
    while time.monotonic() < stop_at:
        method, path, body = make_request(n)
        began = time.perf_counter()
        conn.request(method, path, body=body, headers={"Authorization": f"Token {token}",
                                                      "Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - began)
        if response.status >= 300:
            errors.append(response.status)
        n += 1
    conn.close()


def _run(urls, tokens, requests_for, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(urls[i % len(urls)], token, requests_for(i), stop_at, latencies, errors))
        for i, token in enumerate(tokens)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)
    return {
        "requests": len(latencies), "errors": len(errors), "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered), "p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))],
    }  # fmt: skip


def _http_runs(args, instruments, tokens, server) -> None:
    from django.utils import timezone

    from tests.helpers import WebServers

    base = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)

    def reads(i):
        path = f"/api/v1/instruments/{instruments[i].pk}/"
        return lambda n: ("GET", path, None)

    def creates(i):
        # Client i books its own instrument, one 30-minute slot after another: no conflicts,
        # so every request does the whole rule check and the insert.
        instrument = instruments[i].pk

        def make(n):
            start = base + dt.timedelta(minutes=30 * n)
            body = json.dumps({"instrument": instrument, "start": start.isoformat(),
                               "end": (start + dt.timedelta(minutes=30)).isoformat(), "purpose": "bench"})  # fmt: skip
            return "POST", "/api/v1/reservations/", body

        return make

    production = {
        "SECRET_KEY": "bench-" + "k" * 60, "SECURE_SSL_REDIRECT": "0", "DB_CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    with WebServers(args.servers, server.database_url("postgres"), **production) as servers:
        _run(servers.urls, tokens, reads, 2)  # warm up
        baseline = _run(servers.urls, tokens, reads, args.seconds)
        created = _run(servers.urls, tokens, creates, args.seconds)
    print("\nHTTP, daphne + PostgreSQL")
    print(f"  {'run':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, run in (("baseline GET instrument", baseline), ("POST reservation (create)", created)):
        print(f"  {name:<32}{run['per_second']:>9.0f}{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}{run['errors']:>8}")
    print(f"  create / baseline throughput: {created['per_second'] / baseline['per_second']:.2f}; "
          f"p50 ratio {created['p50_ms'] / baseline['p50_ms']:.2f}")  # fmt: skip


def _availability_runs(instruments) -> None:
    from django.utils import timezone

    from booking.availability import load_calendars
    from booking.models import BookingPolicy
    from instruments.models import Instrument

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=7)
    ids = [i.pk for i in instruments]

    def baseline():
        list(Instrument.objects.filter(pk__in=ids).select_related("lab__institution"))
        list(BookingPolicy.objects.filter(instrument_id__in=ids))

    def search():
        queryset = Instrument.objects.filter(pk__in=ids).select_related("lab__institution")
        return sum(bool(c.free(start, end)) for c in load_calendars(queryset, start, end))

    base_s = _best(baseline)
    search_s = _best(search)
    print(f"\nAvailability search, {len(ids)} instruments, 7-day window (best of 3, in process)")
    print(f"  baseline (load instruments and policies): {1000 * base_s:8.1f} ms")
    print(
        f"  search (free windows of every instrument): {1000 * search_s:8.1f} ms  ({search_s / base_s:.1f}× baseline)"
    )
    print(f"  instruments with free time: {search()}")


def _best(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


if __name__ == "__main__":
    main()
