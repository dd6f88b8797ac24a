"""PostgreSQL connections are pooled by default. Under ASGI every request runs in a thread
of its own, and the pool takes each request's connection back, so however many requests
come, the process holds no more connections than the pool's maximum."""

import asyncio
import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.db import connection
from rest_framework.authtoken.models import Token

from booking.models import Reservation
from config.asgi import application
from tests import factories as f
from tests.booking.helpers import at
from tests.helpers import TEST_SETTINGS, manage


def on_postgresql(test):
    test = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")(test)
    return pytest.mark.django_db(transaction=True, serialized_rollback=True)(test)


DATABASE = {**TEST_SETTINGS, "DATABASE_URL": "postgres://commons:secret@db:5432/commons"}
SHOW_DATABASE = (
    "from django.conf import settings; d = settings.DATABASES['default']; pool = d.get('OPTIONS', {}).get('pool'); "
    "print(d['CONN_MAX_AGE'], pool and (pool['min_size'], pool['max_size']))"
)
ROUNDS = 8
CONCURRENT = 24  # more than the pool lends at once: requests wait their turn


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _setup() -> tuple[int, str]:
    instrument = f.bookable()
    return instrument.pk, Token.objects.create(user=f.UserFactory()).key


async def _request(method: str, path: str, token: str, body: dict | None = None) -> int:
    content = json.dumps(body).encode() if body else b""
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Token {token}".encode()),
               (b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]  # fmt: skip
    communicator = HttpCommunicator(application, method, path, body=content, headers=headers)
    response = await communicator.get_response(timeout=60)
    await communicator.wait(60)  # the request ends as a server ends it: request_finished closes the connection
    return response["status"]


def _shown(**environ: str) -> str:
    """CONN_MAX_AGE and the pool's (min, max) as the settings make them from `environ`."""
    return manage("shell", "-c", SHOW_DATABASE, **environ).stdout.strip().splitlines()[-1]


def test_postgresql_is_pooled_by_default_with_sizes_from_the_environment():
    assert _shown(**DATABASE) == "0 (2, 10)"
    assert _shown(DB_POOL_MIN="1", DB_POOL_MAX="4", **DATABASE) == "0 (1, 4)"


def test_kept_connections_need_the_pool_turned_off():
    refused = manage("check", DB_CONN_MAX_AGE="60", **DATABASE)
    assert refused.returncode != 0 and "DB_CONN_MAX_AGE must be 0 with the connection pool" in refused.stderr
    assert _shown(DB_CONN_MAX_AGE="60", DB_POOL="0", **DATABASE) == "60 None"
    upside_down = manage("check", DB_POOL_MIN="5", DB_POOL_MAX="4", **DATABASE)
    assert upside_down.returncode != 0 and "DB_POOL_MIN=5 is above DB_POOL_MAX=4" in upside_down.stderr


@on_postgresql
def test_the_web_process_uses_the_pool_on_postgresql():
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert connection.pool is not None


@on_postgresql
async def test_connections_stay_within_the_pool_however_many_requests():
    instrument, token = await sync_to_async(_setup)()
    most = connection.settings_dict["OPTIONS"]["pool"]["max_size"]
    counts, statuses = [], []
    for round_ in range(ROUNDS):
        requests = []
        for n in range(CONCURRENT):
            if n % 2:
                requests.append(_request("GET", f"/api/v1/instruments/{instrument}/", token))
            else:
                start = at(3 + round_, 8) + dt.timedelta(minutes=30 * n)
                body = {"instrument": instrument, "start": start.isoformat(),
                        "end": (start + dt.timedelta(minutes=30)).isoformat(), "purpose": "pool"}  # fmt: skip
                requests.append(_request("POST", "/api/v1/reservations/", token, body))
        statuses += await asyncio.gather(*requests)
        counts.append(await sync_to_async(_connections)())
    assert set(statuses) <= {200, 201}, statuses
    assert statuses.count(201) == ROUNDS * CONCURRENT // 2
    assert await Reservation.objects.filter(instrument_id=instrument).acount() == ROUNDS * CONCURRENT // 2
    # The test's own connection comes from the same pool.
    assert max(counts) <= most, counts
