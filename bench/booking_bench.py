"""Booking benchmarks on a private PostgreSQL server.

1. Reservation-create throughput and p50/p99 latency with 16 concurrent clients over
   HTTP against two daphne processes (production runs at least two) with a private Redis
   (channel layer and cache, as in production), next to a baseline of the same clients
   reading an instrument (GET /api/v1/instruments/{id}/) through the same stack in the same
   run. For each: queries per request (counted in this process, through the same API), and
   CPU milliseconds per request in the web processes and in PostgreSQL (from /proc). After
   the runs: PostgreSQL's connections (bounded by the pool) and a check that no two holding
   bookings overlap.
2. An availability search over 1,000 instruments for a 7-day window (the first one, and the
   best of three once the process keeps their opening hours and closures), next to a
   baseline of merely loading those instruments and their policies.

    .venv/bin/python -m bench.booking_bench [--seconds 10] [--clients 16] [--servers 2]
        [--server daphne|gunicorn|uvicorn] [--threads 8] [--only-http]

`--server` measures another server in place of daphne: gunicorn's threaded workers serving
config.wsgi (HTTP only), or uvicorn serving config.asgi; each process's CPU includes its
workers'.
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
from tests.servers import PostgresServer, RedisServer

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--servers", type=int, default=2, help="daphne processes")
    parser.add_argument("--instruments", type=int, default=1000)
    parser.add_argument("--server", default="daphne", choices=["daphne", "uvicorn", "gunicorn"])
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per process")
    parser.add_argument("--only-http", action="store_true", help="leave out the availability search")
    args = parser.parse_args()

    print("load average at start:", _load())
    server = PostgresServer().start()
    redis = RedisServer().start()
    try:
        os.environ.update(TEST_SETTINGS, DATABASE_URL=server.database_url("postgres"), REDIS_URL=redis.url)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        instruments, tokens = _seed(args.instruments, args.clients)
        print(f"PostgreSQL {server.port}, {len(instruments)} instruments, {args.clients} clients, "
              f"{args.servers} {args.server} process(es), {args.seconds:.0f} s per run")  # fmt: skip
        _http_runs(args, instruments, tokens, server, redis)
        if not args.only_http:
            _availability_runs(instruments)
    finally:
        redis.stop()
        server.stop()
    print("load average at end:", _load())


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _seed(count: int, clients: int):
    from rest_framework.authtoken.models import Token

    from accounts.models import Organization, Region, User
    from booking.policies import policy_create
    from instruments.models import Category, Instrument, Lab

    region = Region.objects.get(code="320102")
    university = Organization.objects.create(code="BENCH", name_zh="基准大学", kind="university", region=region)
    lab = Lab.objects.create(institution=university, code="lab", name_zh="实验室")
    lab.managers.add(User.objects.create_user("manager", password="x", organization=university))  # told of each booking
    category = Category.objects.get(code="010100")
    instruments = Instrument.objects.bulk_create(
        Instrument(lab=lab, institution=university, code=f"b-{n}", name_zh=f"仪器{n}", inner_id=str(n),
                   category=category, original_value=600000, region=region)
        for n in range(count)
    )  # fmt: skip
    for instrument in instruments:
        policy_create(
            instrument=instrument, by=None, opening=(range(7), dt.time(0, 0), dt.time(0, 0)),  # round the clock
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


def _http_runs(args, instruments, tokens, server, redis) -> None:
    from django.utils import timezone

    from tests.helpers import WebServers

    base = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)

    def reads(i):
        path = f"/api/v1/instruments/{instruments[i].pk}/"
        return lambda n: ("GET", path, None)

    def creates(i, first_day: int = 0):
        # Client i books its own instrument, one 30-minute slot after another: no conflicts,
        # so every request does the whole rule check and the insert.
        instrument = instruments[i].pk

        def make(n):
            start = base + dt.timedelta(days=first_day, minutes=30 * n)
            body = json.dumps({"instrument": instrument, "start": start.isoformat(),
                               "end": (start + dt.timedelta(minutes=30)).isoformat(), "purpose": "bench"})  # fmt: skip
            return "POST", "/api/v1/reservations/", body

        return make

    queries = {"read": _queries(reads(0), tokens[0]), "create": _queries(creates(0, first_day=300), tokens[0])}
    production = {
        "SECRET_KEY": "bench-" + "k" * 60, "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "REDIS_URL": redis.url,
        "THROTTLE_BOOKING": "1000000/min",  # the bench measures booking, not the brake on it
    }  # fmt: skip
    postmaster = _postmaster_pid()
    command = _server_command(args)
    with WebServers(args.servers, server.database_url("postgres"), command=command, **production) as servers:
        web = [p.pid for p in servers.processes]
        _run(servers.urls, tokens, reads, 2)  # warm up
        baseline = _measured(lambda: _run(servers.urls, tokens, reads, args.seconds), web, postmaster)
        created = _measured(lambda: _run(servers.urls, tokens, creates, args.seconds), web, postmaster)
        connections = _pg_connections()
    print(f"\nHTTP, {args.server} + PostgreSQL + Redis")
    print(f"  {'run':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'queries':>9}{'web CPU ms':>12}"
          f"{'PG CPU ms':>11}")  # fmt: skip
    for name, run, key in (("baseline GET instrument", baseline, "read"), ("POST reservation", created, "create")):
        print(f"  {name:<28}{run['per_second']:>8.0f}{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}{run['errors']:>8}"
              f"{queries[key]:>9}{run['web_ms']:>12.1f}{run['pg_ms']:>11.1f}")  # fmt: skip
    print(
        f"  create / baseline: throughput {created['per_second'] / baseline['per_second']:.2f}, "
        f"p50 {created['p50_ms'] / baseline['p50_ms']:.2f}, p99 {created['p99_ms'] / baseline['p99_ms']:.2f}, "
        f"web CPU {created['web_ms'] / baseline['web_ms']:.2f}, PG CPU {created['pg_ms'] / baseline['pg_ms']:.2f}"
    )
    print("  (queries per request counted in this process through the same API; CPU per request from /proc)")
    print(f"  PostgreSQL connections after {baseline['requests'] + created['requests']} requests: {connections} "
          f"(pool of at most {_pool_max()} per web process)")  # fmt: skip
    print(f"  overlapping holding bookings: {_overlaps()}")


def _queries(make_request, token: str) -> int:
    """Queries of one request through the API in this process, after a first one (warm caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    for n in range(2):
        method, path, body = make_request(n)
        send = client.get if method == "GET" else client.post
        with CaptureQueriesContext(connection) as captured:
            response = send(path, data=body, content_type="application/json")
        assert response.status_code < 300, response.content
    return len(captured.captured_queries)


def _server_command(args):
    from config import processes

    if args.server == "uvicorn":
        return lambda port: [processes.PYTHON, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                             "--no-access-log", "--lifespan", "off", "config.asgi:application"]  # fmt: skip
    if args.server == "gunicorn":
        return lambda port: [processes.PYTHON, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1",
                             "-k", "gthread", "--threads", str(args.threads), "config.wsgi:application"]  # fmt: skip
    return lambda port: processes.web(port=port)


def _tree_cpu_ms(pid: int) -> float:
    """A process, its live descendants (a server's workers, PostgreSQL's backends) and
    those it has reaped."""
    total = _cpu_ms(pid, children=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                continue
            if parent == pid:
                total += _tree_cpu_ms(int(entry))
    return total


def _measured(run, web: list[int], postmaster: int) -> dict:
    web_before, pg_before = sum(_tree_cpu_ms(pid) for pid in web), _tree_cpu_ms(postmaster)
    result = run()
    web_ms, pg_ms = sum(_tree_cpu_ms(pid) for pid in web) - web_before, _tree_cpu_ms(postmaster) - pg_before
    return {**result, "web_ms": web_ms / result["requests"], "pg_ms": pg_ms / result["requests"]}


def _cpu_ms(pid: int, *, children: bool = False) -> float:
    """User and system CPU of a process (and of its children it has reaped)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return used * TICK_MS


def _sql(query: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def _postmaster_pid() -> int:
    backend = _sql("SELECT pg_backend_pid()")
    with open(f"/proc/{backend}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _pg_connections() -> int:
    return _sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")


def _pool_max() -> int | str:
    from django.db import connection

    return connection.settings_dict["OPTIONS"].get("pool", {}).get("max_size", "none")


def _overlaps() -> int:
    """Pairs of holding bookings of one instrument whose blocked time overlaps."""
    return _sql(
        "SELECT count(*) FROM booking_reservation a JOIN booking_reservation b ON a.instrument_id = b.instrument_id "
        "AND a.id < b.id AND a.start < b.blocked_until AND b.start < a.blocked_until "
        "WHERE a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')"
    )


def _availability_runs(instruments) -> None:
    from django.utils import timezone

    from booking.availability import ROWS, load_calendars
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
    ROWS.clear()
    cold_s = _best(search, repeat=1)
    search_s = _best(search)
    print(f"\nAvailability search, {len(ids)} instruments, 7-day window (best of 3, in process)")
    print(f"  baseline (load instruments and policies): {1000 * base_s:8.1f} ms")
    print(
        f"  search (free windows of every instrument): {1000 * search_s:8.1f} ms  ({search_s / base_s:.1f}× baseline)"
    )
    print(
        f"  the first search, opening hours and closures not yet kept by the process: {1000 * cold_s:.1f} ms "
        f"({cold_s / base_s:.1f}× baseline)"
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
