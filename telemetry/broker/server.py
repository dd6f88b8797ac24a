"""The embedded MQTT broker of `make demo`: pure Python, loopback only.

It speaks MQTT 3.1.1 and 5.0 with what the agents and the ingest worker use: user name
and password from the Mosquitto password file, the Mosquitto ACL file, QoS 0 and 1
(QoS 2 is accepted and delivered as QoS 1), persistent sessions with queued messages,
shared subscriptions ($share/group/…), retained messages, last wills and keep-alive.
Like Mosquitto, it saves persistent sessions, their queued messages and the retained
messages when it stops, and loads them when it starts (`state_file`); a crash loses
what arrived since the last save. Production uses Mosquitto.
"""

import asyncio
import base64
import itertools
import json
import logging
import os
import signal
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from telemetry.broker import packets as p
from telemetry.broker.access import Access, topic_matches, valid_filter, valid_topic

log = logging.getLogger("broker")
NOT_AUTHORIZED_V5, NOT_AUTHORIZED_V3 = 0x87, 5
BAD_PROTOCOL_V3 = 1


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


class Broker:
    def __init__(
        self,
        *,
        password_file: Path,
        acl_file: Path | None,
        max_packet: int = 300_000,
        max_queued_bytes: int = 1 << 30,
        state_file: Path | None = None,
    ):
        self.password_file, self.acl_file = password_file, acl_file
        self.max_packet, self.max_queued_bytes = max_packet, max_queued_bytes
        self.sessions: dict[str, Session] = {}
        self.retained: dict[str, p.Message] = {}
        self.round_robin: dict[str, int] = {}
        self.access = Access()
        self._stamp: tuple | None = None
        self.state_file = state_file
        self.reload()
        self.load_state()

    def reload(self) -> None:
        """Re-read the password and ACL files (on SIGHUP, and whenever they changed)."""
        stamp = tuple(_mtime(f) for f in (self.password_file, self.acl_file))
        if stamp != self._stamp:
            self.access = Access.load(self.password_file, self.acl_file)
            self._stamp = stamp
            log.info("loaded %d users", len(self.access.passwords))

    def keep_session(self, client_id: str, username: str, filters: list[str]) -> None:
        """A persistent session with subscriptions from the start, so that messages
        published before its client first connects wait for it (the demo's ingest
        worker) instead of being dropped for want of a subscriber."""
        if client_id not in self.sessions:
            session = Session(client_id=client_id, username=username, expiry=float("inf"), disconnected_at=0.0)
            session.subscriptions = dict.fromkeys(filters, 1)
            self.sessions[client_id] = session

    def save_state(self) -> None:
        """Persistent sessions (with what they have not acknowledged) and retained messages."""
        if self.state_file is None:
            return
        sessions = []
        for session in self.sessions.values():
            if session.expiry == 0:
                continue
            pending = [*session.inflight.values(), *session.queue]
            sessions.append(
                {
                    "client_id": session.client_id,
                    "username": session.username,
                    "subscriptions": session.subscriptions,
                    "expiry": min(session.expiry, 1e12),
                    "pending": [_dump(m) for m in pending],
                }
            )
        state = {"sessions": sessions, "retained": [_dump(m) for m in self.retained.values()]}
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.state_file)

    def load_state(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        for item in state["sessions"]:
            session = Session(
                client_id=item["client_id"],
                username=item["username"],
                subscriptions=item["subscriptions"],
                expiry=item["expiry"],
                disconnected_at=0.0,
            )
            for message in map(_load, item["pending"]):
                session.queue.append(message)
                session.queued_bytes += len(message.payload)
            self.sessions[session.client_id] = session
        self.retained = {m.topic: m for m in map(_load, state["retained"])}
        log.info("restored %d sessions", len(self.sessions))

    async def serve(self, host: str, port: int) -> asyncio.AbstractServer:
        server = await asyncio.start_server(self._handle, host, port)
        asyncio.get_running_loop().create_task(self._expire_sessions())
        return server

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Connection(self, reader, writer).run()

    async def _expire_sessions(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(5)
            now = loop.time()
            for client_id, session in list(self.sessions.items()):
                if session.connection is None and now - (session.disconnected_at or now) > session.expiry:
                    del self.sessions[client_id]

    # --- routing ------------------------------------------------------------------------

    def route(self, message: p.Message) -> None:
        if message.retain:
            if message.payload:
                self.retained[message.topic] = p.Message(message.topic, message.payload, message.qos, True)
            else:
                self.retained.pop(message.topic, None)
        groups: dict[str, list[tuple[Session, int]]] = {}
        for session in self.sessions.values():
            for topic_filter, qos in session.subscriptions.items():
                if topic_filter.startswith("$share/"):
                    _, group, real = topic_filter.split("/", 2)
                    if topic_matches(real, message.topic):
                        groups.setdefault(f"{group}/{real}", []).append((session, qos))
                elif topic_matches(topic_filter, message.topic):
                    self.deliver(session, message, qos, retain=False)
                    break  # one copy per session, however many of its filters match
        for key, members in groups.items():
            # Round-robin among connected members; to a disconnected one only if none is
            # connected (it gets the message when it returns: its session keeps it).
            online = [m for m in members if m[0].connection is not None] or members
            index = self.round_robin.get(key, 0) % len(online)
            self.round_robin[key] = index + 1
            session, qos = sorted(online, key=lambda m: m[0].client_id)[index]
            self.deliver(session, message, qos, retain=False)

    def deliver(self, session: Session, message: p.Message, qos: int, *, retain: bool) -> None:
        if not self.access.may_read(session.username, session.client_id, message.topic):
            return
        copy = p.Message(message.topic, message.payload, min(qos, message.qos, 1), retain)
        if session.connection is not None and session.connection.can_send():
            session.connection.send_publish(copy)
        elif copy.qos or session.connection is not None:
            if session.queued_bytes + len(copy.payload) > self.max_queued_bytes:
                log.warning("queue of %s is full; message to %s dropped", session.client_id, copy.topic)
                return
            session.queue.append(copy)
            session.queued_bytes += len(copy.payload)


def _dump(message: p.Message) -> dict:
    return {
        "topic": message.topic,
        "payload": base64.b64encode(message.payload).decode(),
        "qos": message.qos,
        "retain": message.retain,
    }


def _load(item: dict) -> p.Message:
    return p.Message(item["topic"], base64.b64decode(item["payload"]), item["qos"], item["retain"])


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path else None
    except FileNotFoundError:
        return None


class Connection:
    def __init__(self, broker: Broker, reader, writer):
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


def run(
    *,
    host: str,
    port: int,
    password_file: Path,
    acl_file: Path | None,
    pid_file: Path | None,
    state_file: Path | None = None,
    keep: tuple[str, str, list[str]] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, then save the sessions; SIGHUP reloads the
    password and ACL files. `keep` = (client id, user, filters): a session to keep."""

    async def main():
        broker = Broker(password_file=password_file, acl_file=acl_file, state_file=state_file)
        if keep:
            broker.keep_session(*keep)
        server = await broker.serve(host, port)
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGHUP, broker.reload)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
        if pid_file:
            pid_file.parent.mkdir(parents=True, exist_ok=True)
            pid_file.write_text(str(os.getpid()))
        log.info("embedded MQTT broker listening on %s:%s", host, port)
        async with server:
            await stop
        broker.save_state()

    asyncio.run(main())
