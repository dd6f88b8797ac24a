"""The gateway agent: watch instruments, keep every event on disk, publish it until the
server says it is committed.

Two loops: the sampler reads the probes and writes events to the outbox (a change at
once, the current state again every heartbeat); the publisher sends the outbox in
batches over MQTT v5 with QoS 1. The broker keeps the session (clean start off, session
expiry), paho reconnects with backoff, and while the broker is away the outbox grows.

An event leaves the outbox only when the server's acknowledgement (the retained message
on the gateway's ack topic, see gateway/protocol.py) covers its seq — not on the broker's
PUBACK, because a broker can acknowledge a message and then lose it (Mosquitto 2.0 drops
what arrives for a shared subscription it forgot in a restart). What stays
unacknowledged for `ack_timeout` seconds is sent again, waiting longer after each try
without progress; the server drops repeats by (gateway, seq). At most `max_unacked`
events are out unacknowledged, so a stopped server never floods the broker. With
`server_ack=False` the agent trusts the PUBACK instead, for a server without acks.
"""

import datetime as dt
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gateway import protocol
from gateway.outbox import Outbox
from gateway.probes import Probe, ProbeError

log = logging.getLogger("gateway.agent")
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
MAX_PATIENCE_SECONDS = 600


@dataclass
class Watched:
    code: str
    probe: Probe
    state: str | None = None
    last_sent: float = 0.0


class Agent:
    def __init__(
        self,
        *,
        gateway: str,
        password: str,
        host: str,
        port: int,
        outbox: Outbox,
        watched: list[Watched],
        tls: bool = False,
        ca_file: str | None = None,
        heartbeat_seconds: float = 60,
        sample_seconds: float = 5,
        batch_size: int = 200,
        window: int = 8,
        server_ack: bool = True,
        ack_timeout: float = 30,
        max_unacked: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway, self.outbox, self.watched, self.clock = gateway, outbox, watched, clock
        self.heartbeat_seconds, self.sample_seconds = heartbeat_seconds, sample_seconds
        self.batch_size, self.window = batch_size, window
        self.server_ack, self.ack_timeout = server_ack, ack_timeout
        self.max_unacked = max_unacked or batch_size * window * 16
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._inflight: dict[int, list[int]] = {}  # MQTT message id → event seqs
        self._cursor = 0  # highest seq handed to the client since the last (re)connect or re-send
        self.acked = 0  # the server's acknowledgement: every seq up to here is committed
        self._progress = time.monotonic()  # when the acknowledgement last moved, or sending restarted
        self._patience = ack_timeout
        self.resends = 0  # times the unacknowledged events were sent again for want of an ack
        self._connected = False
        self.client = self._client(password, host, port, tls, ca_file)

    def _client(self, password: str, host: str, port: int, tls: bool, ca_file: str | None) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.gateway, protocol=mqtt.MQTTv5)
        client.username_pw_set(self.gateway, password)
        client.will_set(protocol.status_topic(self.gateway), protocol.status_payload(False), qos=1, retain=True)
        if tls:
            client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=60)
        client.max_inflight_messages_set(self.window)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_ack
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        client.connect_async(host, port, keepalive=30, clean_start=False, properties=properties)
        return client

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, *, sampling: bool = True) -> None:
        """Connect and publish; sample the probes on a thread too unless told not to
        (a caller may then call sample() itself)."""
        self.client.loop_start()
        self._threads = [
            threading.Thread(target=self._sample_loop, name=f"{self.gateway}-sample", daemon=True),
            threading.Thread(target=self._publish_loop, name=f"{self.gateway}-publish", daemon=True),
        ]
        for thread in self._threads[0 if sampling else 1 :]:
            thread.start()

    def stop(self, *, timeout: float = 10) -> None:
        """Stop sampling, try to deliver what is pending, mark the gateway offline."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        while self._connected and self._unsettled() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._connected:
            self.client.publish(protocol.status_topic(self.gateway), protocol.status_payload(False), qos=1, retain=True)
            self.client.disconnect()
        with self._wake:
            self._wake.notify_all()
        self.client.loop_stop()

    # --- sampling -----------------------------------------------------------------------

    def sample(self) -> int:
        """Read every probe once; returns how many events were recorded."""
        now = self.clock()
        recorded = 0
        for item in self.watched:
            try:
                reading = item.probe.read(now)
            except ProbeError as error:
                log.warning("%s: %s", item.code, error)
                continue
            changed = reading.state != item.state
            if changed or now - item.last_sent >= self.heartbeat_seconds:
                ts = dt.datetime.fromtimestamp(now, dt.UTC)
                self.outbox.add(item.code, ts, reading.state, reading.readings, heartbeat=not changed)
                item.state, item.last_sent = reading.state, now
                recorded += 1
        if recorded:
            with self._wake:
                self._wake.notify_all()
        return recorded

    def _sample_loop(self) -> None:
        last_status = self.clock()
        while not self._stop.is_set():
            self.sample()
            if self._connected and self.clock() - last_status >= self.heartbeat_seconds:
                self.publish_status()
                last_status = self.clock()
            self._stop.wait(self.sample_seconds)

    def publish_status(self) -> None:
        """The retained status with the outbox figures (pending, dropped when full)."""
        payload = protocol.status_payload(True, **self.outbox.stats())
        self.client.publish(protocol.status_topic(self.gateway), payload, qos=1, retain=True)

    # --- publishing ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    def _unsettled(self) -> bool:
        """Whether something sent is not yet acknowledged (by the server, or the broker)."""
        return bool(self._inflight) or (self.server_ack and self.outbox.count_through(self._cursor) > 0)

    def _publish_loop(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                if not self._connected or len(self._inflight) >= self.window:
                    self._wake.wait(1)
                    continue
                if self.server_ack:
                    self._resend_if_stalled()
                    if self.outbox.count_through(self._cursor) >= self.max_unacked:
                        self._wake.wait(1)
                        continue
                events = self.outbox.take(after=self._cursor, limit=self.batch_size)
                if not events:
                    self._wake.wait(1)
                    continue
                # The outbox holds nothing between the cursor and these events: everything
                # below the cursor was sent, acknowledged, or dropped by a full outbox.
                after = self._cursor if self.server_ack else None
                self._cursor = events[-1].seq
            info = self.client.publish(
                protocol.events_topic(self.gateway), protocol.encode(self.gateway, events, after=after), qos=1
            )
            if info.rc == mqtt.MQTT_ERR_SUCCESS or info.rc == mqtt.MQTT_ERR_NO_CONN:
                with self._wake:
                    self._inflight[info.mid] = [e.seq for e in events]

    def _on_publish(self, client: mqtt.Client, userdata: Any, mid: int, reason_code: Any, properties: Any) -> None:
        with self._wake:
            seqs = self._inflight.pop(mid, None)
            self._wake.notify_all()
        if seqs and not reason_code.is_failure:
            if not self.server_ack:
                self.outbox.remove(seqs)  # acknowledged by the broker: only now may it go
        elif seqs:
            log.error("broker refused a batch (%s); it stays in the outbox", reason_code)

    def _resend_if_stalled(self) -> None:
        """Send everything unacknowledged again when the acknowledgement has not moved for
        a while (called with the lock held)."""
        now = time.monotonic()
        if now - self._progress < self._patience or self.outbox.count_through(self._cursor) == 0:
            return
        log.warning("no acknowledgement for %.0f s; sending the unacknowledged events again", now - self._progress)
        self._cursor, self._progress = 0, now
        self.resends += 1
        self._patience = min(self._patience * 2, MAX_PATIENCE_SECONDS)

    def _on_ack(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            seq = protocol.decode_ack(message.payload)
        except protocol.MessageRejected as rejected:
            log.warning("ignoring an unreadable acknowledgement: %s", rejected)
            return
        if seq > self.outbox.last_seq():
            # The server has committed seqs this outbox never made: it was replaced or reset.
            # Its events move above them, so that they are not taken for repeats.
            log.error("the server acknowledged seq %d, beyond this outbox; renumbering its events after it", seq)
            with self._wake:
                self.outbox.renumber_after(seq)
                self._cursor = 0
            return
        self.outbox.remove_through(seq)
        with self._wake:
            if seq > self.acked:
                self.acked, self._progress, self._patience = seq, time.monotonic(), self.ack_timeout
            self._cursor = max(self._cursor, seq)
            self._wake.notify_all()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        log.info("connected to the broker (session present: %s)", flags.session_present)
        if self.server_ack:  # every time: the broker may have lost the session
            client.subscribe(protocol.ack_topic(self.gateway), qos=1)
        self.publish_status()
        with self._wake:
            # Send everything still in the outbox again: what was in flight when the
            # connection broke may or may not have arrived; the server drops repeats.
            self._inflight.clear()
            self._cursor = 0
            self._progress = time.monotonic()
            self._connected = True
            self._wake.notify_all()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any) -> None:
        with self._wake:
            self._connected = False
        if not self._stop.is_set():
            log.warning("disconnected from the broker (%s); reconnecting, events keep going to the outbox", reason_code)
