import datetime as dt
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection

from telemetry import services
from telemetry.models import Gateway
from telemetry.worker import Worker
from tests import factories as f
from tests.mqtt import INGEST_PASSWORD, INGEST_USER


def wait_until(predicate, timeout: float = 30, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")


@dataclass
class Site:
    gateway: Gateway
    secret: str
    instruments: list
    other_gateway: Gateway
    other_secret: str
    other_instrument: object


@pytest.fixture
def site(broker):
    """A lab with two gateways, each with its instruments, known to the broker."""
    lab = f.LabFactory()
    gateway, secret = services.gateway_register(lab=lab, code="gw-a", by=None, heartbeat_seconds=60)
    other, other_secret = services.gateway_register(lab=lab, code="gw-b", by=None)
    instruments = [f.InstrumentFactory(lab=lab, code=f"inst-a{n}") for n in range(3)]
    for instrument in instruments:
        services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    foreign = f.InstrumentFactory(lab=lab, code="inst-b0")
    services.instrument_bind(instrument=foreign, gateway=other, by=None)
    broker.add_user("gw-a", secret)
    broker.add_user("gw-b", other_secret)
    return Site(gateway, secret, instruments, other, other_secret, foreign)


@pytest.fixture
def ingest_worker(broker):
    """An ingest worker on a thread of this process, against the test database."""
    worker = Worker(url=broker.url, client_id="ingest-test", username=INGEST_USER, password=INGEST_PASSWORD)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.subscribed.wait(15), "the ingest worker did not subscribe"
    yield worker
    worker.stop()
    thread.join(10)
    connection.close()


def recent(minutes: float = 0) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
