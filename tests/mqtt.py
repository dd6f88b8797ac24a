"""MQTT test helpers: a broker with gateway credentials, and a blocking client."""

import contextlib
import queue
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from telemetry.credentials import acl_text, broker_hash, password_lines
from tests.servers import EmbeddedBroker, MosquittoServer

INGEST_USER, INGEST_PASSWORD = "ingest", "ingest-test-password"


@dataclass
class Broker:
    """A private broker (Mosquitto or the embedded one) with password and ACL files."""

    kind: str
    directory: Path
    users: dict[str, str] = field(default_factory=dict)
    server: object = None

    def __post_init__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.users[INGEST_USER] = broker_hash(INGEST_PASSWORD)
        self._write()
        cls = MosquittoServer if self.kind == "mosquitto" else EmbeddedBroker
        self.server = cls(password_file=self.directory / "passwords", acl_file=self.directory / "acl").start()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return self.server.url

    def _write(self) -> None:
        (self.directory / "passwords").write_text(password_lines(self.users))
        (self.directory / "acl").write_text(acl_text(INGEST_USER))

    def add_user(self, name: str, password: str) -> None:
        self.users[name] = broker_hash(password)
        self._write()
        self.server.reload()
        # The broker reloads on the signal, when it gets to it: wait until it admits the user.
        deadline = time.monotonic() + 30
        while not (probe := Client(self, name, password)).ok:
            probe.close()
            if time.monotonic() > deadline:
                raise AssertionError(f"the broker did not admit {name} within 30 s")
            time.sleep(0.1)
        probe.close()

    def stop(self, *, keep_data: bool = False) -> None:
        self.server.stop(keep_data=keep_data)

    def restart(self) -> None:
        """Start the stopped broker again, on its port and with its saved data."""
        self.server.start()


class Client:
    """A paho MQTT v5 client that waits for what it is told to do."""

    def __init__(self, broker: Broker, username: str | None, password: str | None, *, client_id: str | None = None,
                 clean_start: bool = True, will: tuple[str, bytes] | None = None):  # fmt: skip
        self.messages: queue.Queue = queue.Queue()
        self.connected: queue.Queue = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)  # fmt: skip
        if username:
            self.client.username_pw_set(username, password)
        if will:
            self.client.will_set(will[0], will[1], qos=1, retain=True)
        self.client.on_connect = lambda c, u, flags, reason, props: self.connected.put(reason)
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0 if clean_start else 3600
        self.client.connect("127.0.0.1", broker.port, keepalive=10, clean_start=clean_start, properties=properties)
        self.client.loop_start()
        self.reason = self.connected.get(timeout=60)  # a loaded machine is slow to answer

    @property
    def ok(self) -> bool:
        return not self.reason.is_failure

    def subscribe(self, topic: str, qos: int = 1) -> list:
        granted: queue.Queue = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, props: granted.put(codes)
        self.client.subscribe(topic, qos)
        return granted.get(timeout=60)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout=10)
        return info

    def try_publish(self, topic: str, payload: bytes) -> None:
        """Publish where the broker may refuse: it may answer with an error or drop the connection."""
        with contextlib.suppress(RuntimeError, ValueError):
            self.publish(topic, payload)

    def receive(self, timeout: float = 30):
        return self.messages.get(timeout=timeout)

    def nothing(self, timeout: float = 1) -> bool:
        try:
            self.messages.get(timeout=timeout)
        except queue.Empty:
            return True
        return False

    def close(self, *, graceful: bool = True) -> None:
        if graceful:
            self.client.disconnect()
        else:
            self.client.socket().close()  # as if the process died: the broker sends the will
        self.client.loop_stop()
