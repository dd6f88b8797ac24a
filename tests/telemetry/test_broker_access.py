"""What the broker admits, on Mosquitto and on the embedded broker alike."""

import pytest

from gateway import protocol
from tests.mqtt import INGEST_PASSWORD, INGEST_USER, Client

pytestmark = pytest.mark.slow
EVENTS = protocol.EVENTS_SUBSCRIPTION


@pytest.fixture
def ingest(broker):
    client = Client(broker, INGEST_USER, INGEST_PASSWORD)
    assert client.ok
    assert [c.value for c in client.subscribe(f"$share/ingest/{EVENTS}")] == [1]
    yield client
    client.close()


def test_anonymous_and_wrong_passwords_are_refused(broker):
    assert not Client(broker, None, None).ok
    broker.add_user("gw-1", "right")
    assert not Client(broker, "gw-1", "wrong").ok
    assert Client(broker, "gw-1", "right").ok


def test_a_gateway_publishes_only_under_its_own_topic(broker, ingest):
    broker.add_user("gw-1", "one")
    gateway = Client(broker, "gw-1", "one")
    gateway.publish(protocol.events_topic("gw-1"), b"mine")
    assert ingest.receive().payload == b"mine"
    gateway.try_publish(protocol.events_topic("gw-2"), b"pretending to be gw-2")
    Client(broker, "gw-1", "one").try_publish("commons/v1/other", b"elsewhere")
    assert ingest.nothing(timeout=1)


def test_a_gateway_cannot_read_other_gateways(broker):
    broker.add_user("gw-1", "one")
    broker.add_user("gw-2", "two")
    spy = Client(broker, "gw-1", "one")
    spy.subscribe(EVENTS)  # Mosquitto grants it and filters each message; the embedded broker refuses it
    Client(broker, "gw-2", "two").publish(protocol.events_topic("gw-2"), b"private")
    assert spy.nothing(timeout=1)


def test_new_credentials_work_after_a_reload(broker):
    assert not Client(broker, "gw-new", "s3cret").ok
    broker.add_user("gw-new", "s3cret")  # rewrites the files and sends SIGHUP
    assert Client(broker, "gw-new", "s3cret").ok


def test_last_will_marks_a_vanished_gateway_offline(broker):
    broker.add_user("gw-1", "one")
    watcher = Client(broker, INGEST_USER, INGEST_PASSWORD)
    watcher.subscribe(protocol.STATUS_SUBSCRIPTION)
    status = protocol.status_topic("gw-1")
    gateway = Client(broker, "gw-1", "one", will=(status, protocol.status_payload(False)))
    gateway.publish(status, protocol.status_payload(True), retain=True)
    assert protocol.decode_status(watcher.receive().payload)["online"] is True
    gateway.close(graceful=False)
    assert protocol.decode_status(watcher.receive(timeout=30).payload)["online"] is False
    late = Client(broker, INGEST_USER, INGEST_PASSWORD)
    late.subscribe(protocol.STATUS_SUBSCRIPTION)
    assert protocol.decode_status(late.receive().payload)["online"] is False  # retained


def test_a_persistent_subscriber_gets_what_was_sent_while_it_was_away(broker):
    broker.add_user("gw-1", "one")
    first = Client(broker, INGEST_USER, INGEST_PASSWORD, client_id="ingest-1", clean_start=False)
    first.subscribe(f"$share/ingest/{EVENTS}")
    first.close()
    gateway = Client(broker, "gw-1", "one")
    for n in range(20):
        gateway.publish(protocol.events_topic("gw-1"), f"{n}".encode())
    again = Client(broker, INGEST_USER, INGEST_PASSWORD, client_id="ingest-1", clean_start=False)
    received = sorted(int(again.receive().payload) for _ in range(20))
    assert received == list(range(20))


@pytest.mark.django_db
def test_a_gateway_reads_only_its_own_acknowledgements(site, broker):
    own, spy = Client(broker, "gw-a", site.secret), Client(broker, "gw-b", site.other_secret)
    own.subscribe(protocol.ack_topic("gw-a"))
    spy.subscribe(protocol.ack_topic("gw-a"))  # Mosquitto grants it and filters each message
    Client(broker, "gw-b", site.other_secret).try_publish(protocol.ack_topic("gw-a"), protocol.ack_payload(10**9))
    server = Client(broker, INGEST_USER, INGEST_PASSWORD)
    server.publish(protocol.ack_topic("gw-a"), protocol.ack_payload(7), retain=True)
    assert protocol.decode_ack(own.receive().payload) == 7  # the server's, not the forged one
    assert own.nothing(timeout=1) and spy.nothing(timeout=1)
