"""The ingest worker: MQTT in, database out, acknowledged only after the commit.

paho delivers messages on its network thread; they wait in a queue until the main
thread has a batch (or a short while has passed) and checks it; a writer thread
stores it in one transaction and only then acknowledges each message (paho's manual
acknowledgement). Checking the next batch while the database writes this one keeps
both the Python side and the database busy. A worker killed
mid-batch has committed and acknowledged nothing of it: the broker keeps the session
(clean start off, session expiry) and delivers the batch again, and (gateway, seq)
keeps repeats out.

After each commit the worker publishes, for each gateway in the batch, the seq through
which everything is committed (retained, QoS 1, on the gateway's ack topic); the agent
deletes its outbox only up to there. So whatever the broker loses — Mosquitto 2.0 forgets
shared subscriptions when it restarts, and drops what arrives for them until the worker
subscribes again — the agent still has and re-sends.

Several workers share the load through one shared subscription, made again on every
connect (never trusting the broker to have kept it).
"""

import logging
import queue
import signal
import ssl
import threading
import time
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gateway import protocol
from telemetry import live
from telemetry.ingest import Directory, Message, prepare, write_isolating

log = logging.getLogger("telemetry.worker")
SHARE_GROUP = "ingest"
SUBSCRIPTIONS = [
    f"$share/{SHARE_GROUP}/{protocol.EVENTS_SUBSCRIPTION}",
    f"$share/{SHARE_GROUP}/{protocol.STATUS_SUBSCRIPTION}",
]
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600


class Worker:
    def __init__(self, *, url: str, client_id: str, username: str, password: str, ca_file: str | None = None,
                 batch_size: int = 200, max_wait: float = 0.05):  # fmt: skip
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.batch_size, self.max_wait = batch_size, max_wait
        self.inbox: queue.Queue = queue.Queue()
        self.checked: queue.Queue = queue.Queue(maxsize=2)  # batches waiting for the writer
        self.directory = Directory()
        self._stop = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                                  manual_ack=True)  # fmt: skip
        self.client.username_pw_set(unquote(parts.username or username), unquote(parts.password or password))
        if parts.scheme == "mqtts":
            self.client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda client, userdata, message: self.inbox.put(message)
        self.client.on_disconnect = lambda *args: log.warning("disconnected from the broker; reconnecting")
        self.client.on_subscribe = lambda *args: self.subscribed.set()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the ingest worker: %s", reason_code)
            return
        log.info("connected (session present: %s)", flags.session_present)
        client.subscribe([(topic, 1) for topic in SUBSCRIPTIONS])

    def run(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = 65535  # how many unacknowledged messages the broker may send
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=False, properties=properties)
        self.client.loop_start()
        writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)
        writer.start()
        try:
            while not self._stop.is_set():
                batch = self._collect()
                if batch:
                    self._check(batch)
        finally:
            self.checked.put(None)
            writer.join(60)
            self.client.disconnect()
            self.client.loop_stop()
            connection.close()  # this thread's; the writer closes its own

    def stop(self) -> None:
        self._stop.set()

    def _collect(self) -> list:
        try:
            batch = [self.inbox.get(timeout=0.5)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def _check(self, batch: list) -> None:
        now = timezone.now()
        messages = [Message(m.topic, bytes(m.payload), now) for m in batch]
        while not self._stop.is_set():
            try:
                prepared = prepare(messages, self.directory, now)
                break
            except Exception:  # the gateway directory could not be read: keep the batch, unacknowledged
                log.exception("checking a batch of %d messages failed; retrying", len(messages))
                close_old_connections()
                time.sleep(2)
        else:
            return
        self.checked.put((batch, prepared, now))

    def _write_loop(self) -> None:
        try:
            self._write_batches()
        finally:
            connection.close()

    def _write_batches(self) -> None:
        while (item := self.checked.get()) is not None:
            batch, prepared, now = item
            while True:
                try:
                    close_old_connections()
                    result = write_isolating(prepared, self.directory, now)
                    break
                except Exception:
                    # The database is away: keep the messages unacknowledged and try again,
                    # rather than acknowledge what is not stored.
                    log.exception("storing a batch of %d messages failed; retrying", len(batch))
                    if self._stop.is_set():
                        return
                    time.sleep(2)
            for message in batch:
                self.client.ack(message.mid, message.qos)
            for gateway, seq in result.acks.items():
                self.client.publish(protocol.ack_topic(gateway), protocol.ack_payload(seq), qos=1, retain=True)
            log.debug("batch of %d: %d stored, %d repeats, rejected %s (%.3f s)", len(batch), result.stored,
                      result.duplicates, dict(result.rejected), (timezone.now() - now).total_seconds())  # fmt: skip
            live.telemetry_changed(result.instruments, result.gateways, local_only_ok=False)


def run_forever(**options) -> None:
    worker = Worker(**options)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    worker.run()
