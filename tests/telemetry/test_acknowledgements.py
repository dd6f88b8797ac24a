"""End-to-end acknowledgement on the server side: the seq through which a gateway's
events are committed moves only over ranges that join, whatever order they come in;
and a message the database refuses cannot stop the others."""

import datetime as dt

import pytest
from django.db import connection

from gateway import protocol
from telemetry import services
from telemetry.ingest import UNSTORABLE, Directory, Message, prepare, store, write_isolating
from telemetry.models import Acknowledged, Counter, DeadLetter, Event, GatewayStatus
from tests import factories as f

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def gateways(db):
    lab = f.LabFactory()
    made = {}
    for code in ("gw-a", "gw-b"):
        gateway, _secret = services.gateway_register(lab=lab, code=code, by=None)
        instrument = f.InstrumentFactory(lab=lab, code=f"inst-{code}")
        services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
        made[code] = gateway
    return made


def events_message(gateway: str, seqs: range, *, after: int | None, instrument: str | None = None) -> Message:
    code = instrument or f"inst-{gateway}"
    events = [protocol.Event(seq=s, instrument=code, ts=NOW - dt.timedelta(minutes=60 - s / 10), state="idle")
              for s in seqs]  # fmt: skip
    return Message(protocol.events_topic(gateway), protocol.encode(gateway, events, after=after), NOW)


def send(*messages: Message):
    return store(list(messages), Directory(ttl=0), NOW)


def acked(code: str) -> int:
    mark = Acknowledged.objects.filter(gateway__code=code).first()
    return mark.seq if mark else 0


def test_a_message_that_joins_moves_the_acknowledgement_to_its_last_seq(gateways):
    result = send(events_message("gw-a", range(1, 6), after=0))
    assert result.acks == {"gw-a": 5} and acked("gw-a") == 5


def test_a_range_above_a_gap_waits_until_the_gap_is_filled(gateways):
    assert send(events_message("gw-a", range(11, 16), after=10)).acks == {"gw-a": 0}
    assert Event.objects.count() == 5  # stored all the same; only the acknowledgement waits
    assert send(events_message("gw-a", range(1, 6), after=0)).acks == {"gw-a": 5}
    assert send(events_message("gw-a", range(6, 11), after=5)).acks == {"gw-a": 15}
    assert Acknowledged.objects.get(gateway__code="gw-a").ranges == []


def test_a_resent_range_below_the_acknowledgement_repeats_it(gateways):
    send(events_message("gw-a", range(1, 11), after=0))
    result = send(events_message("gw-a", range(3, 6), after=2))
    assert result.acks == {"gw-a": 10} and result.duplicates == 3


def test_events_rejected_with_a_reason_are_accounted_for(gateways):
    """A dead letter is an answer too: the agent need not keep an event the server refused."""
    result = send(events_message("gw-a", range(1, 4), after=0, instrument="inst-gw-b"))
    assert result.rejected == {"not_bound": 3} and result.acks == {"gw-a": 3}


def test_a_message_without_after_is_stored_but_moves_no_acknowledgement(gateways):
    """What an older agent sends: stored and deduplicated as before."""
    result = send(events_message("gw-a", range(1, 4), after=None))
    assert result.stored == 3 and result.acks == {} and acked("gw-a") == 0


def test_each_gateway_has_its_own_acknowledgement(gateways):
    result = send(events_message("gw-a", range(1, 4), after=0), events_message("gw-b", range(7, 9), after=0))
    assert result.acks == {"gw-a": 3, "gw-b": 8}


def test_an_unknown_gateway_gets_no_acknowledgement(gateways):
    result = send(events_message("gw-x", range(1, 3), after=0))
    assert result.acks == {} and result.rejected == {"unknown_gateway": 1}


@pytest.fixture
def refused_status(gateways):
    """The database itself refuses gw-b's status row (a trigger): a message that passes
    every check and still cannot be stored."""
    pk = gateways["gw-b"].pk
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON telemetry_gatewaystatus FOR EACH ROW "
                f"WHEN (NEW.gateway_id = {pk}) EXECUTE FUNCTION refuse_row()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON telemetry_gatewaystatus WHEN NEW.gateway_id = {pk} "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse ON telemetry_gatewaystatus" if connection.vendor == "postgresql"
                       else "DROP TRIGGER refuse")  # fmt: skip
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION refuse_row()")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_the_database_refuses_becomes_a_dead_letter_and_the_rest_is_stored(refused_status):
    status = Message(protocol.status_topic("gw-b"), protocol.status_payload(True, pending=1), NOW)
    batch = [events_message("gw-a", range(1, 4), after=0), status, events_message("gw-a", range(4, 6), after=3),
             events_message("gw-b", range(1, 3), after=0)]  # fmt: skip
    directory = Directory(ttl=0)
    result = write_isolating(prepare(batch, directory, NOW), directory, NOW)
    assert result.stored == 7 and result.acks == {"gw-a": 5, "gw-b": 2}
    assert result.rejected == {UNSTORABLE: 1}
    (letter,) = DeadLetter.objects.all()
    assert (letter.reason, letter.gateway_code) == (UNSTORABLE, "gw-b")
    assert "refused by the test" in letter.detail and bytes(letter.payload) == status.payload  # whole, to replay
    assert not GatewayStatus.objects.exists()
    assert dict(Counter.objects.values_list("name", "value")) == {
        "messages": 4, "received": 7, "stored": 7, f"rejected:{UNSTORABLE}": 1,
    }  # fmt: skip
