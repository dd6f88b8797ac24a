"""/healthz says the process answers; /readyz says whether it can work, and what stops it."""

import http.client
import json
import socket

import pytest
from asgiref.sync import iscoroutinefunction
from django.db import connection
from django.http import HttpResponse

from config import health
from tests.helpers import WebServers, database_url
from tests.servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def closed_port() -> int:
    return free_port()  # nothing listens there


@pytest.fixture
def silent_port():
    """A port that takes connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no django_db mark: touching the database would fail the test
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_answer_any_host_over_plain_http_without_cookies(client, settings):
    """The orchestrator calls the container by its address, over http, and posts nothing back."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.post("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_ok_when_database_redis_and_broker_answer(client, settings, redis_server, mosquitto_server):
    settings.REDIS_URL = redis_server.url
    settings.MQTT_URL = mosquitto_server.url
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "mqtt"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_skips_redis_when_the_site_does_not_use_it(client, settings, mosquitto_server):
    settings.REDIS_URL = ""
    settings.MQTT_URL = mosquitto_server.url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "mqtt"}


@pytest.mark.django_db
def test_readyz_names_the_broker_when_its_port_is_closed(client, settings, redis_server, closed_port):
    settings.REDIS_URL = redis_server.url
    settings.MQTT_URL = f"mqtt://ingest:broker-pass-4f1c@127.0.0.1:{closed_port}"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing" and body["failed"] == ["mqtt"]
    assert "refused" in body["checks"]["mqtt"]["reason"].lower()
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert b"broker-pass-4f1c" not in response.content


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down(client, settings, mosquitto_server, closed_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    settings.MQTT_URL = mosquitto_server.url
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"]["reason"].startswith("ConnectionError")


@pytest.mark.django_db
def test_readyz_fails_in_time_when_a_dependency_never_answers(client, settings, monkeypatch, silent_port):
    monkeypatch.setattr(health, "TIMEOUT", 0.5)
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_port}/0"
    settings.MQTT_URL = f"mqtt://127.0.0.1:{silent_port}"  # takes the connection: the broker check passes
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    reason = body["checks"]["redis"]["reason"]
    assert reason == health.TIMED_OUT or "timeout" in reason.lower()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_probes_answer_under_asgi(async_client, settings, mosquitto_server, closed_port):
    settings.MQTT_URL = mosquitto_server.url
    assert (await async_client.get("/healthz")).status_code == 200
    assert (await async_client.get("/readyz")).status_code == 200
    settings.MQTT_URL = f"mqtt://127.0.0.1:{closed_port}"
    response = await async_client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["mqtt"]


def fetch(port: int, path: str, **headers: str) -> tuple[int, bytes]:
    """One request, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_production_server_answers_probes_and_scrapes_by_its_address(redis_server, mosquitto_server):
    """daphne with https redirects on and only the public name allowed, as in production."""
    production = {"SECURE_SSL_REDIRECT": "1", "ALLOWED_HOSTS": "commons.example.cn", "METRICS_TOKEN": "scrape-9"}
    with WebServers(1, database_url(connection.settings_dict), REDIS_URL=redis_server.url,
                    MQTT_URL=mosquitto_server.url, **production) as server:  # fmt: skip
        port = server.ports[0]
        assert fetch(port, "/healthz") == (200, b'{"status": "ok"}')
        status, body = fetch(port, "/readyz")
        assert status == 200, body
        assert set(json.loads(body)["checks"]) == {"database", "redis", "mqtt"}
        assert fetch(port, "/metrics")[0] == 401
        assert fetch(port, "/instruments/", Host="commons.example.cn")[0] == 301  # to https, as before
        status, body = fetch(port, "/metrics", Authorization="Bearer scrape-9")
        assert status == 200
        assert b'commons_http_request_duration_seconds_count{method="GET",route="unmatched",status="3xx"} 1.0' in body


async def test_probes_are_answered_in_an_async_stack_too(rf):
    async def rest_of_the_stack(request):
        return HttpResponse("page")

    middleware = health.ProbesMiddleware(rest_of_the_stack)
    assert iscoroutinefunction(middleware)
    assert (await middleware(rf.get("/healthz"))).content == b'{"status": "ok"}'
    assert (await middleware(rf.get("/other"))).content == b"page"
