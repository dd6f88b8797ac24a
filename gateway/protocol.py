"""The MQTT v1 contract between gateway agents and the server, in one place.

Pure Python (standard library only): the agent on a lab gateway and the server's
ingest worker both import it. See docs/telemetry.md and docs/mqtt-v1.schema.json.

    topic    commons/v1/gw/{gateway_id}/events       (events, QoS 1; agent → server)
             commons/v1/gw/{gateway_id}/status       (retained; the last will says offline)
             commons/v1/gw/{gateway_id}/ack          (retained, QoS 1; server → agent)
    payload  {"v": 1, "gateway": "<gateway_id>", "after": 40,
              "events": [{"seq": 41, "instrument": "<code>", "ts": "2026-11-24T09:30:00.123+08:00",
                          "state": "running", "power_w": 812.5}, ...]}
    ack      {"v": 1, "seq": 41}

End-to-end acknowledgement: `after` (optional) vouches that the agent holds no event with a
seq between `after` and the message's first event other than those in the message (the
rest were acknowledged by the server or dropped by a full outbox). From these ranges the
server knows the highest seq below which it has committed everything, and publishes it on
the ack topic after each commit; the agent deletes its outbox up to it and re-sends what
stays unacknowledged. A message without `after` (an older agent) is stored the same way
and simply moves no acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

VERSION = 1
TOPIC_PREFIX = "commons/v1/gw/"
EVENTS_TOPIC = TOPIC_PREFIX + "{gateway}/events"
STATUS_TOPIC = TOPIC_PREFIX + "{gateway}/status"
ACK_TOPIC = TOPIC_PREFIX + "{gateway}/ack"
EVENTS_SUBSCRIPTION = TOPIC_PREFIX + "+/events"
STATUS_SUBSCRIPTION = TOPIC_PREFIX + "+/status"
ACK_SUBSCRIPTION = TOPIC_PREFIX + "+/ack"

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_EVENTS = 5000
MAX_READINGS = 16
MAX_SEQ = 2**63 - 1
MAX_STATUS_BYTES = 4096
MAX_STATUS_FIGURE = 2**53  # counts of events; JSON numbers are exact up to here
STATUS_FIGURES = ("pending", "dropped", "capacity")
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
BAD_AFTER = "bad_after"
NOT_FINITE = "not_finite"
CONTROL_CHARACTER = "control_character"
TOO_DEEP = "too_deep"
BAD_STATUS = "bad_status"
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
    BAD_AFTER,
    NOT_FINITE,
    CONTROL_CHARACTER,
    TOO_DEEP,
    BAD_STATUS,
)


@dataclass(frozen=True)
class Event:
    seq: int
    instrument: str
    ts: dt.datetime  # aware
    state: str
    readings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
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
    after: int | None = None  # the agent's vouched start of this message's seq range
    last: int | None = None  # the highest seq in the message, stored or rejected

    @property
    def seq_range(self) -> tuple[int, int] | None:
        """(after, last]: every seq in it is accounted for once this message is stored."""
        return None if self.after is None or self.last is None else (self.after, self.last)


class MessageRejected(Exception):
    """The whole message is unusable."""

    def __init__(self, reason: str, detail: str):
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}")


def events_topic(gateway: str) -> str:
    return EVENTS_TOPIC.format(gateway=gateway)


def status_topic(gateway: str) -> str:
    return STATUS_TOPIC.format(gateway=gateway)


def ack_topic(gateway: str) -> str:
    return ACK_TOPIC.format(gateway=gateway)


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


def encode(gateway: str, events: list[Event], *, after: int | None = None) -> bytes:
    """A payload for the events topic; `after` as the module docstring says."""
    body: dict[str, Any] = {"v": VERSION, "gateway": gateway}
    if after is not None:
        body["after"] = after
    body["events"] = [event.to_json() for event in events]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode(
    topic: str,
    payload: bytes,
    *,
    now: dt.datetime,
    max_future: dt.timedelta = DEFAULT_MAX_FUTURE,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    loads: Callable[[str | bytes], Any] = json.loads,
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
    seqs = [e.seq for e in events] + [r.seq for r in rejections if r.seq is not None]
    after = _after(body, min(seqs, default=None))
    return Batch(gateway=gateway, events=events, rejections=rejections, after=after, last=max(seqs, default=None))


def _after(body: dict[str, Any], first: int | None) -> int | None:
    after = body.get("after")
    if after is None:
        return None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_SEQ:
        raise MessageRejected(BAD_AFTER, f"after must be a seq or 0, not {str(after)[:30]!r}")
    if first is not None and after >= first:
        raise MessageRejected(BAD_AFTER, f"after ({after}) must be below the message's first seq ({first})")
    return after


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


def _event(item: Any, *, now: dt.datetime, max_future: dt.timedelta, max_age: dt.timedelta) -> Event:
    if not isinstance(item, dict):
        raise _EventRejected(BAD_SHAPE, "an event is not a JSON object", None)
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq <= MAX_SEQ:
        raise _EventRejected(BAD_SEQ, f"seq must be a positive integer, not {str(seq)[:30]!r}", None)
    instrument = item.get("instrument")
    if not isinstance(instrument, str) or not _valid_code(instrument):
        raise _EventRejected(BAD_INSTRUMENT, f"not an instrument code: {str(instrument)[:70]!r}", seq)
    try:
        raw_ts = item.get("ts")
        if not isinstance(raw_ts, str):
            raise TypeError
        ts = parse_ts(raw_ts)
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


def status_payload(online: bool, **details: Any) -> bytes:
    """The retained agent status: online with its outbox figures, or offline (the last will)."""
    return json.dumps({"v": VERSION, "online": online, **details}, separators=(",", ":")).encode()


def decode_status(payload: bytes) -> dict[str, Any]:
    """A status message, validated and normalized to `online` and the known outbox figures
    (non-negative integers); other keys are ignored, but nothing hostile passes: no NaN or
    infinity, no control characters, no deep nesting."""
    body = _strict_json(payload, MAX_STATUS_BYTES)
    if not isinstance(body, dict) or not isinstance(body.get("online"), bool):
        raise MessageRejected(BAD_SHAPE, "status must be an object with a boolean 'online'")
    if body.get("v", VERSION) != VERSION or isinstance(body.get("v"), bool):
        raise MessageRejected(BAD_VERSION, f"v must be {VERSION}, not {str(body.get('v'))[:20]!r}")
    status = {"online": body["online"]}
    for name in STATUS_FIGURES:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_STATUS_FIGURE:
            raise MessageRejected(BAD_STATUS, f"{name} must be a whole number from 0 to 2^53, not {str(value)[:30]!r}")
        status[name] = value
    return status


def ack_payload(seq: int) -> bytes:
    """The server's acknowledgement: every event of the gateway up to `seq` is committed."""
    return json.dumps({"v": VERSION, "seq": seq}, separators=(",", ":")).encode()


def decode_ack(payload: bytes | bytearray) -> int:
    body = _strict_json(payload, MAX_STATUS_BYTES)
    seq = body.get("seq") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("v") != VERSION or isinstance(body.get("v"), bool):
        raise MessageRejected(BAD_SHAPE, "an ack is an object with v 1 and a seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise MessageRejected(BAD_SEQ, f"ack seq must be a whole number, not {str(seq)[:30]!r}")
    return seq


MAX_DEPTH = 8
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _not_finite(name: str) -> NoReturn:
    raise MessageRejected(NOT_FINITE, f"{name} is not a JSON number")


def _strict_json(payload: bytes | bytearray, limit: int) -> Any:
    """JSON that PostgreSQL's jsonb and a person can both take: no NaN or infinities, no
    control characters in any string, nesting at most MAX_DEPTH deep."""
    if len(payload) > limit:
        raise MessageRejected(TOO_LARGE, f"{len(payload)} bytes; at most {limit}")
    try:
        body = json.loads(payload, parse_constant=_not_finite)
    except MessageRejected:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise MessageRejected(NOT_JSON, str(error)[:200]) from None
    _check_tree(body, 0)
    return body


def _check_tree(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MessageRejected(TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if CONTROL.search(value):
            raise MessageRejected(CONTROL_CHARACTER, f"a string holds a control character: {value[:40]!r}")
    elif isinstance(value, float):
        if not math.isfinite(value):  # 1e999 parses as infinity
            raise MessageRejected(NOT_FINITE, "a number is out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, depth + 1)
            _check_tree(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, depth + 1)
