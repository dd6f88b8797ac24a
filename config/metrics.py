"""Prometheus metrics of the web, ingest and jobs processes, and the /metrics page.

Each process counts in its own memory, unless PROMETHEUS_MULTIPROC_DIR names a directory
shared by all of them (prometheus_client's multiprocess mode, chosen when it is imported):
then every process writes its figures there and /metrics on the web process adds them up,
so one scrape sees the workers too. Labels take values from short, fixed sets (route
names, not paths), so the number of series stays bounded.
"""

import datetime as dt
import functools
import hmac
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess, values
from prometheus_client import start_http_server as _start_http_server
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from config.middleware import BothModes

if TYPE_CHECKING:
    from telemetry.ingest import Result

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Files are named by process id, and processes in containers sharing the directory
    # (web, web-2, jobs, ingest) may all have the same one: the host name tells them apart.
    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}-{os.getpid()}".replace("_", "-"))

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600)

REQUEST_SECONDS = Histogram(
    "commons_http_request_duration_seconds", "Time to answer an HTTP request", ["route", "method", "status"]
)
BOOKINGS = Counter("commons_booking_outcomes", "Booking requests and status changes, by outcome", ["outcome"])
EVENTS_STORED = Counter("commons_telemetry_events_stored", "Telemetry events stored")
EVENTS_DUPLICATE = Counter("commons_telemetry_events_duplicate", "Telemetry events received again, not stored")
EVENTS_REJECTED = Counter("commons_telemetry_rejected", "Telemetry events and messages rejected", ["reason"])
EVENTS_LAG = Histogram("commons_telemetry_lag_seconds", "From an event's time to its storing", buckets=LAG_BUCKETS)
JOB_RUNS = Counter("commons_job_runs", "Runs of periodic jobs", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "commons_job_duration_seconds", "Duration of periodic job runs", ["job"], buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900)
)


def booking_requests_counted(*, refused: tuple[type[Exception], ...]) -> Callable:
    """Count what a booking request ends in: created, or refused by one of `refused`."""

    def decorate(create: Callable) -> Callable:
        @functools.wraps(create)
        def counted(*args, **kwargs):
            try:
                reservation = create(*args, **kwargs)
            except refused:
                BOOKINGS.labels("refused").inc()
                raise
            BOOKINGS.labels("created").inc()
            return reservation

        return counted

    return decorate


def booking_changed(status: str) -> None:
    BOOKINGS.labels(str(status)).inc()


def ingest_recorded(result: "Result", times: Iterable[dt.datetime]) -> None:
    """A stored batch: its counts, and for each new event how late it was stored."""
    EVENTS_STORED.inc(result.stored)
    EVENTS_DUPLICATE.inc(result.duplicates)
    for reason, count in result.rejected.items():
        EVENTS_REJECTED.labels(reason).inc(count)
    now = time.time()
    for ts in times:
        EVENTS_LAG.observe(max(0.0, now - ts.timestamp()))


@contextmanager
def job_timed(name: str) -> Iterator[None]:
    started, outcome = time.perf_counter(), "failed"
    try:
        yield
        outcome = "ok"
    finally:
        JOB_RUNS.labels(name, outcome).inc()
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)


def registry() -> CollectorRegistry:
    """Every process's figures in multiprocess mode, else this process's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=directory)
    return combined


def endpoint(request: HttpRequest) -> HttpResponse:
    """The figures, for requests with `Authorization: Bearer <METRICS_TOKEN>`; none without a token."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("metrics need a bearer token\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def serve_worker_metrics():
    """A worker's own figures on METRICS_PORT, when set (no token there: an internal port);
    the server and its thread, or None."""
    if settings.METRICS_PORT:
        return _start_http_server(settings.METRICS_PORT, registry=REGISTRY)
    return None


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware(BothModes):
    """Times each request by route name, method and status class, in sync and async stacks alike."""

    def call(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        self._observe(request, response, started)
        return response

    async def acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        self._observe(request, response, started)
        return response

    @staticmethod
    def _observe(request: HttpRequest, response: HttpResponse, started: float) -> None:
        method = request.method if request.method in METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(route_of(request), method, status).observe(time.perf_counter() - started)
