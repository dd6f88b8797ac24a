"""/metrics: refused without the token; requests, bookings, telemetry and jobs counted, in
this process and across processes sharing PROMETHEUS_MULTIPROC_DIR."""

import datetime as dt
import urllib.request

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from prometheus_client import REGISTRY

from booking import services
from booking.services import BookingConflict
from config import metrics
from config.jobs import Job
from config.metrics import MetricsMiddleware
from config.worker import jobs_run_due
from gateway import protocol
from telemetry import services as telemetry_services
from telemetry.ingest import Directory, Message, store
from tests import factories as f
from tests.booking.helpers import at, book
from tests.helpers import TEST_SETTINGS, manage
from tests.servers import free_port

TOKEN = "metrics-token-7Yq2"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_metrics_are_not_there_without_a_configured_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_are_refused_without_the_right_token(client, token):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_a_request_is_timed_under_its_route_name_not_its_path(client, token):
    labels = {"route": "home", "method": "GET", "status": "2xx"}
    before = value("commons_http_request_duration_seconds_count", **labels)
    assert client.get("/").status_code == 200
    assert value("commons_http_request_duration_seconds_count", **labels) == before + 1
    missing = {"route": "unmatched", "method": "GET", "status": "4xx"}
    before_missing = value("commons_http_request_duration_seconds_count", **missing)
    client.get("/no/such/page-31337/")
    assert value("commons_http_request_duration_seconds_count", **missing) == before_missing + 1
    assert "page-31337" not in scrape(client)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_request_is_timed_under_asgi(async_client):
    labels = {"route": "login", "method": "GET", "status": "2xx"}
    before = value("commons_http_request_duration_seconds_count", **labels)
    assert (await async_client.get("/accounts/login/")).status_code == 200
    assert value("commons_http_request_duration_seconds_count", **labels) == before + 1


@pytest.mark.django_db
def test_booking_outcomes_are_counted(client, token):
    instrument = f.bookable()
    manager = f.lab_manager(instrument.lab)
    outcomes = ("created", "refused", "approved", "cancelled")
    before = {o: value("commons_booking_outcomes_total", outcome=o) for o in outcomes}
    reservation = book(instrument, start=at(2, 10))
    with pytest.raises(BookingConflict):
        book(instrument, start=at(2, 11))
    services.reservation_approve(reservation=reservation, by=manager)
    services.reservation_cancel(reservation=reservation, by=manager, reason="instrument down")
    after = {o: value("commons_booking_outcomes_total", outcome=o) for o in outcomes}
    assert after == {o: before[o] + 1 for o in outcomes}
    assert 'commons_booking_outcomes_total{outcome="created"}' in scrape(client)


@pytest.mark.django_db
def test_stored_repeated_and_rejected_events_are_counted_with_their_lag():
    lab = f.LabFactory()
    gateway, _secret = telemetry_services.gateway_register(lab=lab, code="gw-m", by=None)
    instrument = f.InstrumentFactory(lab=lab, code="inst-m")
    telemetry_services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    now = dt.datetime.now(dt.UTC)

    def message(seqs, code="inst-m"):
        events = [protocol.Event(seq=s, instrument=code, ts=now - dt.timedelta(seconds=30), state="idle") for s in seqs]
        return Message(protocol.events_topic("gw-m"), protocol.encode("gw-m", events, after=None), now)

    names = ("commons_telemetry_events_stored_total", "commons_telemetry_events_duplicate_total",
             "commons_telemetry_lag_seconds_count")  # fmt: skip
    before = [value(n) for n in names]
    within = {le: value("commons_telemetry_lag_seconds_bucket", le=le) for le in ("10.0", "60.0")}
    rejected_before = value("commons_telemetry_rejected_total", reason="not_bound")
    store([message(range(1, 4))], Directory(ttl=0), now)
    store([message(range(3, 5)), message([9], code="inst-unbound")], Directory(ttl=0), now)
    assert [value(n) - b for n, b in zip(names, before, strict=True)] == [4, 1, 4]
    assert value("commons_telemetry_rejected_total", reason="not_bound") == rejected_before + 1
    # Stored 30 s after the events' time: later than 10 s, sooner than a minute.
    assert value("commons_telemetry_lag_seconds_bucket", le="10.0") == within["10.0"]
    assert value("commons_telemetry_lag_seconds_bucket", le="60.0") == within["60.0"] + 4


@pytest.mark.django_db
def test_job_runs_and_failures_are_counted_with_their_duration():
    def broken() -> int:
        raise RuntimeError("the mail server is away")

    jobs = [Job("count test runs", lambda: 1, 60), Job("count test failures", broken, 60)]
    runs = ("count test runs", "ok"), ("count test failures", "failed")
    before = [value("commons_job_runs_total", job=job, outcome=outcome) for job, outcome in runs]
    jobs_run_due(jobs=jobs, holder="metrics-test")
    after = [value("commons_job_runs_total", job=job, outcome=outcome) for job, outcome in runs]
    assert after == [b + 1 for b in before]
    assert value("commons_job_duration_seconds_count", job="count test failures") >= 1


def test_figures_of_other_processes_add_up_in_multiprocess_mode(client, token, tmp_path, monkeypatch):
    """The jobs and ingest workers write to the shared directory; the web process reads it."""
    environ = {**TEST_SETTINGS, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DATA_DIR": str(tmp_path / "data")}
    code = (
        "from config import metrics\n"
        "with metrics.job_timed('send notification emails'):\n    pass\n"
        "metrics.booking_changed('approved')\n"
    )
    for _ in range(2):
        result = manage("shell", "-c", code, **environ)
        assert result.returncode == 0, result.stderr
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = scrape(client)
    assert 'commons_job_runs_total{job="send notification emails",outcome="ok"} 2.0' in text
    assert 'commons_booking_outcomes_total{outcome="approved"} 2.0' in text


async def test_the_middleware_times_requests_in_an_async_stack_too(rf):
    """Under daphne the stack runs sync while a sync-only middleware (WhiteNoise) is in it;
    without one, the middleware awaits the rest of the stack."""

    async def rest_of_the_stack(request):
        return HttpResponse(status=204)

    middleware = MetricsMiddleware(rest_of_the_stack)
    assert iscoroutinefunction(middleware)
    labels = {"route": "unmatched", "method": "DELETE", "status": "2xx"}
    before = value("commons_http_request_duration_seconds_count", **labels)
    response = await middleware(rf.delete("/somewhere/"))
    assert response.status_code == 204
    assert value("commons_http_request_duration_seconds_count", **labels) == before + 1


def test_a_worker_serves_its_own_figures_on_metrics_port_when_set(settings):
    settings.METRICS_PORT = 0
    assert metrics.serve_worker_metrics() is None
    settings.METRICS_PORT = free_port()
    server, thread = metrics.serve_worker_metrics()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{settings.METRICS_PORT}/", timeout=10) as response:
            assert b"# TYPE commons_booking_outcomes_total counter" in response.read()
    finally:
        server.shutdown()
        thread.join(10)
