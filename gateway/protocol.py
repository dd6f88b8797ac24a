"""The MQTT v1 contract between gateway agents and the server, in one place.

Pure Python (standard library only): the agent on a lab gateway and the server's
ingest worker both import it. See docs/telemetry.md and docs/mqtt-v1.schema.json.

    topic    commons/v1/gw/{gateway_id}/events       (events, QoS 1)
             commons/v1/gw/{gateway_id}/status       (retained; the last will says offline)
    payload  {"v": 1, "gateway": "<gateway_id>",
              "events": [{"seq": 41, "instrument": "<code>", "ts": "2026-11-24T09:30:00.123+08:00",
                          "state": "running", "power_w": 812.5}, ...]}
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field

VERSION = 1
TOPIC_PREFIX = "commons/v1/gw/"
EVENTS_TOPIC = TOPIC_PREFIX + "{gateway}/events"
STATUS_TOPIC = TOPIC_PREFIX + "{gateway}/status"
EVENTS_SUBSCRIPTION = TOPIC_PREFIX + "+/events"
STATUS_SUBSCRIPTION = TOPIC_PREFIX + "+/status"

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_EVENTS = 5000
MAX_READINGS = 16
MAX_SEQ = 2**63 - 1
STATES = ("off", "idle", "running", "fault")
DEFAULT_MAX_FUTURE = dt.timedelta(minutes=5)
DEFAULT_MAX_AGE = dt.timedelta(days=7)

GATEWAY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
INSTRUMENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
READING_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# RFC 3339 with a required offset: 2026-11-24T09:30:00.123+08:00, or …Z.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")

# Why a message or an event was rejected: the names the server counts by.
TOO_LARGE = "too_large"
NOT_UTF8 = "not_utf8"
NOT_JSON = "not_json"
BAD_SHAPE = "bad_shape"
BAD_VERSION = "bad_version"
BAD_TOPIC = "bad_topic"
GATEWAY_MISMATCH = "gateway_mismatch"
TOO_MANY_EVENTS = "too_many_events"
BAD_SEQ = "bad_seq"
BAD_INSTRUMENT = "bad_instrument"
BAD_TS = "bad_ts"
TS_IN_FUTURE = "ts_in_future"
TS_TOO_OLD = "ts_too_old"
BAD_STATE = "bad_state"
BAD_READING = "bad_reading"
DUPLICATE_SEQ = "duplicate_seq_in_message"
REASONS = (
    TOO_LARGE,
    NOT_UTF8,
    NOT_JSON,
    BAD_SHAPE,
    BAD_VERSION,
    BAD_TOPIC,
    GATEWAY_MISMATCH,
    TOO_MANY_EVENTS,
    BAD_SEQ,
    BAD_INSTRUMENT,
    BAD_TS,
    TS_IN_FUTURE,
    TS_TOO_OLD,
    BAD_STATE,
    BAD_READING,
    DUPLICATE_SEQ,
)


@dataclass(frozen=True)
class Event:
    seq: int
    instrument: str
    ts: dt.datetime  # aware
    state: str
    readings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "instrument": self.instrument,
            "ts": format_ts(self.ts),
            "state": self.state,
            **self.readings,
        }


@dataclass(frozen=True)
class Rejection:
    reason: str
    detail: str
    seq: int | None = None  # the event's, when one event of a message was rejected


@dataclass
class Batch:
    gateway: str
    events: list[Event]
    rejections: list[Rejection]


class MessageRejected(Exception):
    """The whole message is unusable."""

    def __init__(self, reason: str, detail: str):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}")


def events_topic(gateway: str) -> str:
    return EVENTS_TOPIC.format(gateway=gateway)


def status_topic(gateway: str) -> str:
    return STATUS_TOPIC.format(gateway=gateway)


def gateway_of(topic: str, kind: str = "events") -> str:
    """The gateway id in an events (or status) topic; MessageRejected if the topic is not one."""
    if topic.startswith(TOPIC_PREFIX) and topic.endswith("/" + kind):
        gateway = topic[len(TOPIC_PREFIX) : -len(kind) - 1]
        if GATEWAY_ID.match(gateway):
            return gateway
    raise MessageRejected(BAD_TOPIC, f"not a {kind} topic: {topic[:80]!r}")


def format_ts(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def parse_ts(text: str) -> dt.datetime:
    if not isinstance(text, str) or not RFC3339.match(text):
        raise ValueError("not RFC 3339 with an offset")
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    dot = text.find(".")
    if dot > 0:  # Python keeps microseconds: cut longer fractions
        digits = len(text) - 6 - dot - 1
        if digits > 6:
            text = text[: dot + 7] + text[-6:]
    return dt.datetime.fromisoformat(text if "t" not in text else text.replace("t", "T"))


def encode(gateway: str, events: list[Event]) -> bytes:
    """A payload for the events topic."""
    body = {"v": VERSION, "gateway": gateway, "events": [event.to_json() for event in events]}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode(
    topic: str,
    payload: bytes,
    *,
    now: dt.datetime,
    max_future: dt.timedelta = DEFAULT_MAX_FUTURE,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    loads=json.loads,
) -> Batch:
    """Validate a message. The message as a whole is rejected (MessageRejected) when it
    cannot be trusted at all; single bad events are listed in `Batch.rejections`."""
    gateway = gateway_of(topic)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise MessageRejected(TOO_LARGE, f"{len(payload)} bytes; at most {MAX_PAYLOAD_BYTES}")
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
    except UnicodeDecodeError as error:
        raise MessageRejected(NOT_UTF8, str(error)[:200]) from None
    try:
        body = loads(text)
    except (ValueError, RecursionError) as error:
        raise MessageRejected(NOT_JSON, str(error)[:200]) from None
    if not isinstance(body, dict):
        raise MessageRejected(BAD_SHAPE, "the payload is not a JSON object")
    if body.get("v") != VERSION or isinstance(body.get("v"), bool):
        raise MessageRejected(BAD_VERSION, f"v must be {VERSION}, not {str(body.get('v'))[:20]!r}")
    if body.get("gateway") != gateway:
        raise MessageRejected(GATEWAY_MISMATCH, f"payload says {str(body.get('gateway'))[:80]!r}, topic {gateway!r}")
    items = body.get("events")
    if not isinstance(items, list) or not items:
        raise MessageRejected(BAD_SHAPE, "events must be a non-empty list")
    if len(items) > MAX_EVENTS:
        raise MessageRejected(TOO_MANY_EVENTS, f"{len(items)} events; at most {MAX_EVENTS}")

    events, rejections, seen = [], [], set()
    for item in items:
        try:
            event = _event(item, now=now, max_future=max_future, max_age=max_age)
        except _EventRejected as rejected:
            rejections.append(Rejection(rejected.reason, rejected.detail, rejected.seq))
            continue
        if event.seq in seen:
            rejections.append(Rejection(DUPLICATE_SEQ, f"seq {event.seq} twice in one message", event.seq))
            continue
        seen.add(event.seq)
        events.append(event)
    return Batch(gateway=gateway, events=events, rejections=rejections)


_CODES: set[str] = set()


def _valid_code(code: str) -> bool:
    """INSTRUMENT_CODE.match, remembered: a gateway repeats the same few codes."""
    if code in _CODES:
        return True
    if INSTRUMENT_CODE.match(code):
        if len(_CODES) < 100_000:
            _CODES.add(code)
        return True
    return False


class _EventRejected(Exception):
    def __init__(self, reason: str, detail: str, seq: int | None):
        self.reason, self.detail, self.seq = reason, detail, seq


def _event(item, *, now: dt.datetime, max_future: dt.timedelta, max_age: dt.timedelta) -> Event:
    if not isinstance(item, dict):
        raise _EventRejected(BAD_SHAPE, "an event is not a JSON object", None)
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq <= MAX_SEQ:
        raise _EventRejected(BAD_SEQ, f"seq must be a positive integer, not {str(seq)[:30]!r}", None)
    instrument = item.get("instrument")
    if not isinstance(instrument, str) or not _valid_code(instrument):
        raise _EventRejected(BAD_INSTRUMENT, f"not an instrument code: {str(instrument)[:70]!r}", seq)
    try:
        ts = parse_ts(item.get("ts"))
    except (ValueError, TypeError, OverflowError):
        raise _EventRejected(BAD_TS, f"ts is not RFC 3339 with an offset: {str(item.get('ts'))[:40]!r}", seq) from None
    if ts > now + max_future:
        raise _EventRejected(TS_IN_FUTURE, f"ts {format_ts(ts)} is ahead of the server clock", seq)
    if ts < now - max_age:
        raise _EventRejected(TS_TOO_OLD, f"ts {format_ts(ts)} is older than {max_age.days} days", seq)
    state = item.get("state")
    if state not in STATES:
        raise _EventRejected(BAD_STATE, f"state must be one of {', '.join(STATES)}, not {str(state)[:20]!r}", seq)
    readings = {}
    for name, value in item.items():
        if name in ("seq", "instrument", "ts", "state"):
            continue
        if not READING_NAME.match(str(name)) or isinstance(value, bool) or not isinstance(value, int | float):
            raise _EventRejected(BAD_READING, f"reading {str(name)[:32]!r} is not a named number", seq)
        if not math.isfinite(value) or abs(value) > 1e12:
            raise _EventRejected(BAD_READING, f"reading {name!r} is out of range", seq)
        readings[name] = float(value)
        if len(readings) > MAX_READINGS:
            raise _EventRejected(BAD_READING, f"more than {MAX_READINGS} readings", seq)
    return Event(seq=seq, instrument=instrument, ts=ts, state=state, readings=readings)


def status_payload(online: bool, **details) -> bytes:
    """The retained agent status: online with its outbox figures, or offline (the last will)."""
    return json.dumps({"v": VERSION, "online": online, **details}, separators=(",", ":")).encode()


def decode_status(payload: bytes) -> dict:
    if len(payload) > 4096:
        raise MessageRejected(TOO_LARGE, "status payload over 4 KiB")
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise MessageRejected(NOT_JSON, str(error)[:200]) from None
    if not isinstance(body, dict) or not isinstance(body.get("online"), bool):
        raise MessageRejected(BAD_SHAPE, "status must be an object with a boolean 'online'")
    return body
