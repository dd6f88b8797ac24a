"""MQTT 3.1.1 and 5.0 packets: reading them off a stream and writing them.

Only what the embedded broker needs; properties are parsed (so that unknown ones are
skipped correctly) and kept as a dict of id → value.
"""

import asyncio
import struct
from dataclasses import dataclass, field

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15

# Property ids (MQTT 5 §2.2.2.2) by wire type.
BYTE_PROPS = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
TWO_BYTE_PROPS = {0x13, 0x21, 0x22, 0x23}
FOUR_BYTE_PROPS = {0x02, 0x11, 0x18, 0x27}
VARINT_PROPS = {0x0B}
STRING_PROPS = {0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F}
BINARY_PROPS = {0x09, 0x16}
PAIR_PROPS = {0x26}
SESSION_EXPIRY, RECEIVE_MAXIMUM, TOPIC_ALIAS, ASSIGNED_CLIENT_ID = 0x11, 0x21, 0x23, 0x12


class ProtocolError(Exception):
    """The peer broke the protocol; the connection is closed."""


@dataclass
class Packet:
    kind: int
    flags: int
    body: bytes


@dataclass
class Connect:
    level: int  # 4 = 3.1.1, 5 = 5.0
    client_id: str
    clean_start: bool
    keepalive: int
    username: str | None
    password: bytes | None
    will: "Message | None"
    properties: dict = field(default_factory=dict)


@dataclass
class Message:
    topic: str
    payload: bytes
    qos: int
    retain: bool = False


class Reader:
    """Decodes the fields of one packet body."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ProtocolError("packet shorter than its fields")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack("!H", self.take(2))[0]

    def u32(self) -> int:
        return struct.unpack("!I", self.take(4))[0]

    def varint(self) -> int:
        value, shift = 0, 0
        for _ in range(4):
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
        raise ProtocolError("malformed variable byte integer")

    def binary(self) -> bytes:
        return self.take(self.u16())

    def string(self) -> str:
        try:
            text = self.binary().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("string is not UTF-8") from None
        if "\x00" in text:
            raise ProtocolError("string contains NUL")
        return text

    def properties(self) -> dict:
        end = self.varint() + self.pos
        props: dict = {}
        while self.pos < end:
            pid = self.varint()
            if pid in BYTE_PROPS:
                props[pid] = self.byte()
            elif pid in TWO_BYTE_PROPS:
                props[pid] = self.u16()
            elif pid in FOUR_BYTE_PROPS:
                props[pid] = self.u32()
            elif pid in VARINT_PROPS:
                props.setdefault(pid, []).append(self.varint())
            elif pid in STRING_PROPS:
                props[pid] = self.string()
            elif pid in BINARY_PROPS:
                props[pid] = self.binary()
            elif pid in PAIR_PROPS:
                props.setdefault(pid, []).append((self.string(), self.string()))
            else:
                raise ProtocolError(f"unknown property {pid:#x}")
        if self.pos != end:
            raise ProtocolError("properties overrun their length")
        return props

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.pos)


async def read_packet(stream: asyncio.StreamReader, max_size: int) -> Packet:
    first = await stream.readexactly(1)
    length, shift = 0, 0
    for _ in range(4):
        byte = (await stream.readexactly(1))[0]
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    else:
        raise ProtocolError("malformed remaining length")
    if length > max_size:
        raise ProtocolError(f"packet of {length} bytes exceeds {max_size}")
    return Packet(first[0] >> 4, first[0] & 0x0F, await stream.readexactly(length))


def parse_connect(packet: Packet) -> Connect:
    r = Reader(packet.body)
    name, level = r.string(), r.byte()
    if name != "MQTT" or level not in (4, 5):
        raise ProtocolError(f"unsupported protocol {name!r} level {level}")
    flags, keepalive = r.byte(), r.u16()
    if flags & 0x01:
        raise ProtocolError("reserved connect flag set")
    properties = r.properties() if level == 5 else {}
    client_id = r.string()
    will = None
    if flags & 0x04:
        if level == 5:
            r.properties()
        will = Message(topic=r.string(), payload=r.binary(), qos=(flags >> 3) & 0x03, retain=bool(flags & 0x20))
        if will.qos > 2:
            raise ProtocolError("will QoS 3")
    username = r.string() if flags & 0x80 else None
    password = r.binary() if flags & 0x40 else None
    return Connect(level, client_id, bool(flags & 0x02), keepalive, username, password, will, properties)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


def properties(props: dict | None = None) -> bytes:
    body = bytearray()
    for pid, value in (props or {}).items():
        body += varint(pid)
        if pid in STRING_PROPS:
            body += string(value)
        elif pid in FOUR_BYTE_PROPS:
            body += struct.pack("!I", value)
        elif pid in TWO_BYTE_PROPS:
            body += struct.pack("!H", value)
        else:
            body += bytes([value])
    return varint(len(body)) + bytes(body)


def frame(kind: int, flags: int, body: bytes) -> bytes:
    return bytes([(kind << 4) | flags]) + varint(len(body)) + body


def connack(level: int, session_present: bool, code: int, props: dict | None = None) -> bytes:
    body = bytes([int(session_present), code])
    return frame(CONNACK, 0, body + (properties(props) if level == 5 else b""))


def publish(level: int, message: Message, packet_id: int | None, dup: bool = False) -> bytes:
    flags = (message.qos << 1) | int(message.retain) | (0x08 if dup else 0)
    body = string(message.topic) + (struct.pack("!H", packet_id) if message.qos else b"")
    return frame(PUBLISH, flags, body + (properties() if level == 5 else b"") + message.payload)


def ack(kind: int, level: int, packet_id: int, code: int = 0) -> bytes:
    flags = 0x02 if kind == PUBREL else 0
    body = struct.pack("!H", packet_id) + (bytes([code]) if level == 5 and code else b"")
    return frame(kind, flags, body)


def suback(level: int, kind: int, packet_id: int, codes: list[int]) -> bytes:
    return frame(kind, 0, struct.pack("!H", packet_id) + (properties() if level == 5 else b"") + bytes(codes))


def disconnect(level: int, code: int) -> bytes:
    return frame(DISCONNECT, 0, bytes([code]) if level == 5 else b"")
