"""Probes for the orchestrator: /healthz (the process answers) and /readyz (it can work:
database, Redis when the channel layer uses it, the MQTT broker).

They are answered before any other middleware, as /metrics is: probes reach the process by
its own address (not an ALLOWED_HOSTS name), over plain http inside the network, without
sessions or CSRF. Each check runs in a thread of its own with a deadline, so a hung
dependency makes the probe fail in time instead of hanging it.
"""

import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from config import metrics
from config.middleware import BothModes

TIMEOUT = 2.0  # seconds, per check; the checks run at the same time
TIMED_OUT = "no answer within the time limit"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    results = run_checks(checks(), TIMEOUT)
    failed = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "failing" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def checks() -> dict[str, Callable[[float], None]]:
    found = {"database": check_database, "mqtt": check_mqtt}
    if settings.REDIS_URL:
        found["redis"] = check_redis
    return found


def run_checks(named: dict[str, Callable[[float], None]], timeout: float) -> dict[str, dict]:
    results = {name: {"ok": False, "reason": TIMED_OUT} for name in named}

    def run(name: str, check: Callable[[float], None]) -> None:
        started = time.monotonic()
        try:
            check(timeout * 0.8)  # its own error, if it has one, rather than the deadline's
        except Exception as error:
            results[name] = {"ok": False, "reason": reason(error)}
        else:
            results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000)}

    threads = [threading.Thread(target=run, args=item, name=f"readyz-{item[0]}", daemon=True) for item in named.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(results)


def check_database(timeout: float) -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections.close_all()  # this thread's connection; the thread ends here


def check_redis(timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def check_mqtt(timeout: float) -> None:
    host, port = broker_address()
    socket.create_connection((host, port), timeout=timeout).close()


def broker_address() -> tuple[str, int]:
    """Where the ingest worker connects (telemetry ingest_telemetry): MQTT_URL, or the embedded broker."""
    if not settings.MQTT_URL:
        return "127.0.0.1", settings.EMBEDDED_BROKER_PORT
    parts = urlsplit(settings.MQTT_URL)
    return parts.hostname or "127.0.0.1", parts.port or (8883 if parts.scheme == "mqtts" else 1883)


def reason(error: Exception) -> str:
    """Short, and without the passwords of the configured URLs."""
    text = f"{type(error).__name__}: {error}".splitlines()[0][:200]
    for url in (settings.REDIS_URL, settings.MQTT_URL, getattr(settings, "DATABASE_URL", "")):
        password = urlsplit(url).password if url else None
        if password:
            text = text.replace(password, "***")
    return text


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics.endpoint,
}


class ProbesMiddleware(BothModes):
    """Answers the probes and /metrics first (see the module's docstring); first in MIDDLEWARE."""

    def call(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info)
        return endpoint(request) if endpoint else self.get_response(request)

    async def acall(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return await self.get_response(request)
        # Off the thread that runs the sync views: a probe does not wait behind busy pages.
        return await sync_to_async(endpoint, thread_sensitive=False)(request)
