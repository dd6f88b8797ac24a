"""One client connection of the embedded broker: the MQTT conversation with it."""

import asyncio
import itertools
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telemetry.broker import packets as p
from telemetry.broker.access import topic_matches, valid_filter, valid_topic

log = logging.getLogger("broker")
NOT_AUTHORIZED_V5, NOT_AUTHORIZED_V3 = 0x87, 5

if TYPE_CHECKING:
    from telemetry.broker.server import Broker


@dataclass
class Session:
    client_id: str
    username: str
    subscriptions: dict[str, int] = field(default_factory=dict)  # filter (with $share/… kept) → qos
    queue: deque = field(default_factory=deque)  # messages waiting for a connection or a free slot
    queued_bytes: int = 0
    inflight: dict[int, p.Message] = field(default_factory=dict)
    packet_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    connection: "Connection | None" = None
    expiry: float = 0  # seconds after disconnect; inf = never
    disconnected_at: float | None = None


class Connection:
    def __init__(self, broker: "Broker", reader, writer):
        self.broker, self.reader, self.writer = broker, reader, writer
        self.session: Session | None = None
        self.level = 4
        self.receive_maximum = 65535
        self.will: p.Message | None = None
        self.graceful = False

    async def run(self) -> None:
        try:
            first = await asyncio.wait_for(p.read_packet(self.reader, self.broker.max_packet), 10)
            if first.kind != p.CONNECT or not await self._connect(p.parse_connect(first)):
                return
            keepalive = self._keepalive
            while True:
                packet = await asyncio.wait_for(
                    p.read_packet(self.reader, self.broker.max_packet), keepalive * 1.5 if keepalive else None
                )
                if not self._dispatch(packet):
                    break
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, p.ProtocolError) as error:
            log.debug("connection closed: %s", error)
        finally:
            self._close()

    async def _connect(self, connect: p.Connect) -> bool:
        broker = self.broker
        self.level = connect.level
        broker.reload()
        if not broker.access.authenticate(connect.username, connect.password):
            self.writer.write(p.connack(self.level, False, NOT_AUTHORIZED_V5 if self.level == 5 else NOT_AUTHORIZED_V3))
            await self.writer.drain()
            return False
        client_id = connect.client_id or f"auto-{id(self)}"
        if connect.will and not broker.access.may_publish(connect.username, client_id, connect.will.topic):
            connect.will = None  # as Mosquitto: a will the client may not publish is dropped
        self.will, self._keepalive = connect.will, connect.keepalive
        self.receive_maximum = connect.properties.get(p.RECEIVE_MAXIMUM, 65535)
        existing = broker.sessions.get(client_id)
        if existing and existing.connection is not None:
            existing.connection.take_over()
        if connect.clean_start or existing is None or existing.username != connect.username:
            existing = Session(client_id=client_id, username=connect.username)
            broker.sessions[client_id] = existing
            present = False
        else:
            present = True
        expiry = (
            connect.properties.get(p.SESSION_EXPIRY, 0)
            if self.level == 5
            else (0 if connect.clean_start else float("inf"))
        )
        existing.expiry = float("inf") if expiry == 0xFFFFFFFF else expiry
        existing.connection, existing.disconnected_at = self, None
        self.session = existing
        props = {p.ASSIGNED_CLIENT_ID: client_id} if not connect.client_id and self.level == 5 else None
        self.writer.write(p.connack(self.level, present, 0, props))
        for packet_id, message in list(existing.inflight.items()):
            self.writer.write(p.publish(self.level, message, packet_id, dup=True))
        self._flush_queue()
        return True

    def _dispatch(self, packet: p.Packet) -> bool:
        session = self.session
        if packet.kind == p.PUBLISH:
            self._publish(packet)
        elif packet.kind == p.PUBACK:
            session.inflight.pop(p.Reader(packet.body).u16(), None)
            self._flush_queue()
        elif packet.kind == p.PUBREL:
            self.writer.write(p.ack(p.PUBCOMP, self.level, p.Reader(packet.body).u16()))
        elif packet.kind in (p.PUBREC, p.PUBCOMP):
            pass  # the broker sends QoS 1 at most
        elif packet.kind == p.SUBSCRIBE:
            self._subscribe(packet)
        elif packet.kind == p.UNSUBSCRIBE:
            r = p.Reader(packet.body)
            packet_id = r.u16()
            if self.level == 5:
                r.properties()
            codes = []
            while r.pos < len(r.data):
                codes.append(0 if session.subscriptions.pop(r.string(), None) is not None else 0x11)
            self.writer.write(p.suback(self.level, p.UNSUBACK, packet_id, codes if self.level == 5 else []))
        elif packet.kind == p.PINGREQ:
            self.writer.write(p.frame(p.PINGRESP, 0, b""))
        elif packet.kind == p.DISCONNECT:
            r = p.Reader(packet.body)
            reason = r.byte() if packet.body else 0
            if self.level == 5 and len(packet.body) > 1:
                expiry = r.properties().get(p.SESSION_EXPIRY)
                if expiry is not None:
                    session.expiry = float("inf") if expiry == 0xFFFFFFFF else expiry
            self.graceful = reason != 0x04  # 0x04: disconnect with will message
            return False
        else:
            raise p.ProtocolError(f"unexpected packet type {packet.kind}")
        return True

    def _publish(self, packet: p.Packet) -> None:
        qos, retain = (packet.flags >> 1) & 0x03, bool(packet.flags & 0x01)
        if qos == 3:
            raise p.ProtocolError("QoS 3")
        r = p.Reader(packet.body)
        topic = r.string()
        packet_id = r.u16() if qos else None
        if self.level == 5:
            r.properties()
        payload = r.rest()
        session, broker = self.session, self.broker
        allowed = valid_topic(topic) and broker.access.may_publish(session.username, session.client_id, topic)
        if allowed:
            broker.route(p.Message(topic, payload, qos, retain))
        else:
            log.info("%s may not publish to %s", session.client_id, topic[:100])
        code = 0 if allowed else NOT_AUTHORIZED_V5
        if qos == 1:
            self.writer.write(p.ack(p.PUBACK, self.level, packet_id, code))
        elif qos == 2:
            self.writer.write(p.ack(p.PUBREC, self.level, packet_id, code))

    def _subscribe(self, packet: p.Packet) -> None:
        r = p.Reader(packet.body)
        packet_id = r.u16()
        if self.level == 5:
            r.properties()
        session, broker, codes, granted = self.session, self.broker, [], []
        while r.pos < len(r.data):
            topic_filter, options = r.string(), r.byte()
            qos = min(options & 0x03, 1)
            real = (
                topic_filter.split("/", 2)[2]
                if topic_filter.startswith("$share/") and topic_filter.count("/") >= 2
                else topic_filter
            )
            if not valid_filter(real) or not broker.access.may_subscribe(session.username, session.client_id, real):
                codes.append(NOT_AUTHORIZED_V5 if self.level == 5 else 0x80)
                continue
            session.subscriptions[topic_filter] = qos
            codes.append(qos)
            if not topic_filter.startswith("$share/"):
                granted.append((real, qos))
        self.writer.write(p.suback(self.level, p.SUBACK, packet_id, codes))
        for topic_filter, qos in granted:
            for message in list(broker.retained.values()):
                if topic_matches(topic_filter, message.topic):
                    broker.deliver(session, message, qos, retain=True)

    # --- sending ------------------------------------------------------------------------

    def can_send(self) -> bool:
        return len(self.session.inflight) < self.receive_maximum and not self.session.queue

    def send_publish(self, message: p.Message) -> None:
        packet_id = None
        if message.qos:
            packet_id = self._next_packet_id()
            self.session.inflight[packet_id] = message
        self.writer.write(p.publish(self.level, message, packet_id))

    def _next_packet_id(self) -> int:
        while True:
            packet_id = next(self.session.packet_ids) % 65536
            if packet_id and packet_id not in self.session.inflight:
                return packet_id

    def _flush_queue(self) -> None:
        session = self.session
        while session.queue and len(session.inflight) < self.receive_maximum:
            message = session.queue.popleft()
            session.queued_bytes -= len(message.payload)
            self.send_publish(message)

    def take_over(self) -> None:
        """Another connection with the same client id: close this one (no will, as Mosquitto)."""
        self.graceful = True
        if self.level == 5:
            self.writer.write(p.disconnect(self.level, 0x8E))
        self.writer.close()

    def _close(self) -> None:
        session = self.session
        if session is not None and session.connection is self:
            session.connection = None
            session.disconnected_at = asyncio.get_running_loop().time()
            if not self.graceful and self.will is not None:
                self.broker.route(self.will)
            if session.expiry == 0:
                self.broker.sessions.pop(session.client_id, None)
        self.writer.close()
