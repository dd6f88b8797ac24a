"""Fifty clients ask for the same slot at the same moment, over real HTTP to several
daphne processes: exactly one wins, every other gets 409, and the database holds one
booking. Runs on SQLite and on PostgreSQL (make test runs both)."""

import http.client
import json
import threading
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from booking.models import Reservation
from tests import factories as f
from tests.booking.helpers import at
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
CLIENTS = 50
SERVERS = 4


def request(url: str, token: str, body: bytes, start: threading.Barrier) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.connect()  # connect first, so that the barrier releases requests, not handshakes
    start.wait()
    conn.request("POST", "/api/v1/reservations/", body=body,
                 headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})  # fmt: skip
    status = conn.getresponse().status
    conn.close()
    return status


def test_fifty_concurrent_requests_for_one_slot_exactly_one_wins():
    instrument = f.bookable()
    tokens = [Token.objects.create(user=f.UserFactory()).key for _ in range(CLIENTS)]
    body = json.dumps({"instrument": instrument.pk, "start": at(2, 10).isoformat(), "end": at(2, 12).isoformat(),
                       "purpose": "race"}).encode()  # fmt: skip
    statuses: list[int] = []
    with WebServers(SERVERS, database_url(connection.settings_dict)) as servers:
        start = threading.Barrier(CLIENTS)
        threads = [
            threading.Thread(target=lambda i=i: statuses.append(
                request(servers.urls[i % SERVERS], tokens[i], body, start)))
            for i in range(CLIENTS)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert Counter(statuses) == {201: 1, 409: CLIENTS - 1}
    assert Reservation.objects.filter(instrument=instrument).count() == 1
