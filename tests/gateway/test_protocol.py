"""The MQTT v1 contract: good payloads decode, bad ones are rejected with a reason,
and nothing — thousands of generated hostile payloads — makes the decoder crash."""

import datetime as dt
import json
from pathlib import Path

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway import protocol as p

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TOPIC = p.events_topic("gw-1")
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "mqtt-v1.schema.json").read_text())


def event(**overrides) -> dict:
    return {"seq": 41, "instrument": "nju-sem-1", "ts": "2026-11-24T09:30:00.123+08:00", "state": "running",
            "power_w": 812.5, **overrides}  # fmt: skip


def payload(*events, gateway="gw-1", **overrides) -> bytes:
    return json.dumps({"v": 1, "gateway": gateway, "events": list(events) or [event()], **overrides}).encode()


def test_a_good_message_decodes():
    batch = p.decode(TOPIC, payload(event(), event(seq=42, state="idle", ts="2026-11-24T01:31:00Z")), now=NOW)
    assert batch.gateway == "gw-1" and batch.rejections == []
    first, second = batch.events
    assert (first.seq, first.instrument, first.state, first.readings) == (
        41,
        "nju-sem-1",
        "running",
        {"power_w": 812.5},
    )
    assert first.ts == dt.datetime(2026, 11, 24, 1, 30, 0, 123000, tzinfo=dt.UTC)
    assert second.ts == dt.datetime(2026, 11, 24, 1, 31, tzinfo=dt.UTC)


def test_encode_and_decode_agree():
    events = [p.Event(seq=7, instrument="a", ts=NOW, state="off", readings={"current_a": 1.5})]
    assert p.decode(TOPIC, p.encode("gw-1", events), now=NOW).events == events


@pytest.mark.parametrize(
    ("topic", "body", "reason"),
    [
        ("commons/v1/gw/gw-1/other", payload(), p.BAD_TOPIC),
        ("commons/v1/gw/../events", payload(), p.BAD_TOPIC),
        (TOPIC, b"x" * (p.MAX_PAYLOAD_BYTES + 1), p.TOO_LARGE),
        (TOPIC, b"\xff\xfe{", p.NOT_UTF8),
        (TOPIC, b"{not json", p.NOT_JSON),
        (TOPIC, b"[1,2]", p.BAD_SHAPE),
        (TOPIC, payload(v=2), p.BAD_VERSION),
        (TOPIC, payload(v=True), p.BAD_VERSION),
        (TOPIC, payload(gateway="gw-2"), p.GATEWAY_MISMATCH),
        (TOPIC, payload(events=[]), p.BAD_SHAPE),
        (TOPIC, payload(events={"seq": 1}), p.BAD_SHAPE),
        (TOPIC, payload(events=[{"seq": n} for n in range(1, p.MAX_EVENTS + 2)]), p.TOO_MANY_EVENTS),
        (TOPIC, b"[" * 100000, p.NOT_JSON),
    ],
)
def test_unusable_messages_are_rejected_whole_with_a_reason(topic, body, reason):
    with pytest.raises(p.MessageRejected) as caught:
        p.decode(topic, body, now=NOW)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"seq": 0}, p.BAD_SEQ), ({"seq": -3}, p.BAD_SEQ), ({"seq": "41"}, p.BAD_SEQ), ({"seq": True}, p.BAD_SEQ),
        ({"seq": 1.5}, p.BAD_SEQ), ({"seq": 2**64}, p.BAD_SEQ),
        ({"instrument": ""}, p.BAD_INSTRUMENT), ({"instrument": "a/b"}, p.BAD_INSTRUMENT),
        ({"instrument": 5}, p.BAD_INSTRUMENT), ({"instrument": "x" * 65}, p.BAD_INSTRUMENT),
        ({"ts": "2026-11-24 09:30"}, p.BAD_TS), ({"ts": "2026-11-24T09:30:00"}, p.BAD_TS),
        ({"ts": "2026-13-24T09:30:00+08:00"}, p.BAD_TS), ({"ts": 1732412345}, p.BAD_TS),
        ({"ts": "2026-11-24T10:06:00+08:00"}, p.TS_IN_FUTURE), ({"ts": "2026-11-10T10:00:00+08:00"}, p.TS_TOO_OLD),
        ({"state": "on"}, p.BAD_STATE), ({"state": None}, p.BAD_STATE),
        ({"power_w": "812"}, p.BAD_READING), ({"power_w": True}, p.BAD_READING), ({"Power W": 1}, p.BAD_READING),
        ({"power_w": 1e300}, p.BAD_READING),
    ],
)  # fmt: skip
def test_bad_events_are_rejected_one_by_one(bad, reason):
    batch = p.decode(TOPIC, payload(event(**bad), event(seq=99)), now=NOW)
    assert [e.seq for e in batch.events] == [99]
    assert [r.reason for r in batch.rejections] == [reason]


def test_nan_readings_are_refused():
    body = b'{"v":1,"gateway":"gw-1","events":[{"seq":1,"instrument":"a","ts":"2026-11-24T09:30:00+08:00",' \
           b'"state":"idle","power_w":NaN}]}'  # fmt: skip
    assert [r.reason for r in p.decode(TOPIC, body, now=NOW).rejections] == [p.BAD_READING]


def test_a_seq_twice_in_one_message_is_kept_once():
    batch = p.decode(TOPIC, payload(event(seq=5), event(seq=5, state="off")), now=NOW)
    assert [e.state for e in batch.events] == ["running"]
    assert [r.reason for r in batch.rejections] == [p.DUPLICATE_SEQ]


def test_the_schema_accepts_what_the_decoder_accepts():
    jsonschema.validate(json.loads(payload(event(), event(seq=2, state="off", current_a=0.2))), SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(payload(event(state="on"))), SCHEMA)


# --- hostile input ------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
events_ish = st.fixed_dictionaries(
    {},
    optional={
        "seq": st.one_of(st.integers(), st.text(max_size=5), st.floats(), st.booleans()),
        "instrument": st.one_of(st.text(max_size=70), st.integers()),
        "ts": st.one_of(st.text(max_size=40), st.datetimes(timezones=st.timezones()).map(str)),
        "state": st.sampled_from(["off", "idle", "running", "fault", "on", "", "RUNNING"]),
        "power_w": json_values,
    },
)
after_ish = st.one_of(st.integers(min_value=-2, max_value=2**64), st.text(max_size=5), st.booleans(), st.none())
payloads = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"v": st.sampled_from([1, 1, 1, 2, "1", None]), "gateway": st.sampled_from(["gw-1", "gw-2", "", None]),
         "events": st.lists(st.one_of(events_ish, json_values), max_size=8)},
        optional={"after": after_ish},
    ).map(lambda d: json.dumps(d).encode()),
)  # fmt: skip


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=payloads, topic=st.sampled_from([TOPIC, "commons/v1/gw/gw-1/status", "x", "commons/v1/gw/+/events"]))
def test_generated_payloads_are_decoded_or_rejected_with_a_reason_never_crash(body, topic):
    for loads in (json.loads, orjson.loads):
        try:
            batch = p.decode(topic, body, now=NOW, loads=loads)
        except p.MessageRejected as rejected:
            assert rejected.reason in p.REASONS  # noqa: PT017 - both outcomes are checked, by loader
            continue
        assert all(r.reason in p.REASONS for r in batch.rejections)
        for e in batch.events:
            assert 0 < e.seq <= p.MAX_SEQ and e.state in p.STATES and e.ts.tzinfo is not None
            assert NOW - p.DEFAULT_MAX_AGE <= e.ts <= NOW + p.DEFAULT_MAX_FUTURE
            assert batch.after is None or batch.after < e.seq


statuses = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"online": st.one_of(st.booleans(), json_values)},
        optional={"v": st.sampled_from([1, 2, True]), "pending": json_values, "dropped": json_values,
                  "capacity": st.integers(), "other": json_values},
    ).map(lambda d: json.dumps(d, allow_nan=True).encode()),
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(body=statuses)
def test_generated_statuses_are_normalized_or_rejected_with_a_reason(body):
    try:
        status = p.decode_status(body)
    except p.MessageRejected as rejected:
        assert rejected.reason in p.REASONS  # noqa: PT017
        return
    assert set(status) <= {"online", *p.STATUS_FIGURES} and isinstance(status["online"], bool)
    assert all(
        type(status[k]) is int and 0 <= status[k] <= p.MAX_STATUS_FIGURE for k in p.STATUS_FIGURES if k in status
    )


# --- end-to-end acknowledgement and status --------------------------------------------------


def test_after_gives_the_range_a_message_accounts_for():
    batch = p.decode(TOPIC, payload(event(seq=41), event(seq=44, state="on"), after=40), now=NOW)
    assert batch.seq_range == (40, 44)  # a rejected event is accounted for too
    assert p.decode(TOPIC, payload(event(seq=41)), now=NOW).seq_range is None  # an older agent


@pytest.mark.parametrize("after", [41, 50, -1, "40", True, 2**64])
def test_a_bad_after_rejects_the_message(after):
    with pytest.raises(p.MessageRejected) as caught:
        p.decode(TOPIC, payload(event(seq=41), after=after), now=NOW)
    assert caught.value.reason == p.BAD_AFTER


def test_encode_with_after_round_trips_and_matches_the_schema():
    events = [p.Event(seq=7, instrument="a", ts=NOW, state="off")]
    body = p.encode("gw-1", events, after=3)
    jsonschema.validate(json.loads(body), SCHEMA)
    assert p.decode(TOPIC, body, now=NOW).seq_range == (3, 7)


def test_acks_round_trip_and_match_the_schema():
    body = p.ack_payload(1234)
    jsonschema.validate(json.loads(body), {**SCHEMA["$defs"]["ack"], "$defs": SCHEMA["$defs"]})
    assert p.decode_ack(body) == 1234
    assert p.ack_topic("gw-1") == "commons/v1/gw/gw-1/ack"
    for bad in (b"{}", b'{"v":1,"seq":-1}', b'{"v":1,"seq":"5"}', b"[]", b"nonsense"):
        with pytest.raises(p.MessageRejected):
            p.decode_ack(bad)


def test_a_status_keeps_only_its_known_figures():
    body = p.status_payload(True, pending=3, dropped=0, capacity=500000, note="agent 1.2")
    jsonschema.validate(json.loads(body), {**SCHEMA["$defs"]["status"], "$defs": SCHEMA["$defs"]})
    assert p.decode_status(body) == {"online": True, "pending": 3, "dropped": 0, "capacity": 500000}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"v":1,"online":true,"pending":NaN}', p.NOT_FINITE),
        (b'{"v":1,"online":true,"pending":-Infinity}', p.NOT_FINITE),
        (b'{"v":1,"online":true,"pending":1e999}', p.NOT_FINITE),
        (b'{"v":1,"online":true,"note":"a\\u0000b"}', p.CONTROL_CHARACTER),
        (b'{"v":1,"online":true,"note\\u0007":1}', p.CONTROL_CHARACTER),
        (b'{"v":1,"online":true,"x":' + b"[" * 12 + b"]" * 12 + b"}", p.TOO_DEEP),
        (b'{"v":1,"online":true,"x":' + b"[" * 2000 + b"]" * 2000 + b"}", p.NOT_JSON),
        (b'{"v":1,"online":true,"pending":' + b"9" * 4000 + b"}", p.BAD_STATUS),
        (b'{"v":1,"online":true,"pending":1.5}', p.BAD_STATUS),
        (b'{"v":1,"online":true,"dropped":true}', p.BAD_STATUS),
        (b'{"v":1,"online":"yes"}', p.BAD_SHAPE),
        (b'{"v":2,"online":true}', p.BAD_VERSION),
        (b"x" * 5000, p.TOO_LARGE),
    ],
)
def test_hostile_statuses_are_rejected_with_a_reason(body, reason):
    with pytest.raises(p.MessageRejected) as caught:
        p.decode_status(body)
    assert caught.value.reason == reason
