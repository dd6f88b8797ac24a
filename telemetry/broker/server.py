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
import json
import logging
import os
import signal
from pathlib import Path

from telemetry.broker import packets as p
from telemetry.broker.access import Access, topic_matches
from telemetry.broker.connection import Connection, Session

log = logging.getLogger("broker")


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
