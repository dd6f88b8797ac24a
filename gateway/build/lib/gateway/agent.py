"""The gateway agent: watch instruments, keep every event on disk, publish it to the
broker until it is acknowledged.

Two loops: the sampler reads the probes and writes events to the outbox (a change at
once, the current state again every heartbeat); the publisher sends the outbox in
batches over MQTT v5 with QoS 1, and removes a batch when its PUBACK arrives. The
broker keeps the session (clean start off, session expiry), paho reconnects with
backoff, and while the broker is away the outbox simply grows.
"""

import datetime as dt
import logging
import ssl
import threading
import time
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gateway import protocol
from gateway.outbox import Outbox
from gateway.probes import Probe, ProbeError

log = logging.getLogger("gateway.agent")
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600


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
        clock=time.time,
    ):
        self.gateway, self.outbox, self.watched, self.clock = gateway, outbox, watched, clock
        self.heartbeat_seconds, self.sample_seconds = heartbeat_seconds, sample_seconds
        self.batch_size, self.window = batch_size, window
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._inflight: dict[int, list[int]] = {}  # MQTT message id → event seqs
        self._cursor = 0  # highest seq handed to the client since the last (re)connect
        self._connected = False
        self.client = self._client(password, host, port, tls, ca_file)

    def _client(self, password, host, port, tls, ca_file) -> mqtt.Client:
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
        properties = Properties(PacketTypes.CONNECT)
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
        while self._connected and self._inflight and time.monotonic() < deadline:
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

    def _publish_loop(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                if not self._connected or len(self._inflight) >= self.window:
                    self._wake.wait(1)
                    continue
                events = self.outbox.take(after=self._cursor, limit=self.batch_size)
                if not events:
                    self._wake.wait(1)
                    continue
                self._cursor = events[-1].seq
            info = self.client.publish(
                protocol.events_topic(self.gateway), protocol.encode(self.gateway, events), qos=1
            )
            if info.rc == mqtt.MQTT_ERR_SUCCESS or info.rc == mqtt.MQTT_ERR_NO_CONN:
                with self._wake:
                    self._inflight[info.mid] = [e.seq for e in events]

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self._wake:
            seqs = self._inflight.pop(mid, None)
            self._wake.notify_all()
        if seqs and not reason_code.is_failure:
            self.outbox.remove(seqs)  # acknowledged by the broker: only now may it go
        elif seqs:
            log.error("broker refused a batch (%s); it stays in the outbox", reason_code)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        log.info("connected to the broker (session present: %s)", flags.session_present)
        self.publish_status()
        with self._wake:
            # Send everything still in the outbox again: what was in flight when the
            # connection broke may or may not have arrived; the server drops repeats.
            self._inflight.clear()
            self._cursor = 0
            self._connected = True
            self._wake.notify_all()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._wake:
            self._connected = False
        if not self._stop.is_set():
            log.warning("disconnected from the broker (%s); reconnecting, events keep going to the outbox", reason_code)
