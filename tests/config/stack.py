"""The whole system as separate OS processes on this machine, for test_stack.py and
test_faults.py: daphne web processes, ingest workers and jobs workers, each started with
its production command (config.processes), on a private PostgreSQL (a fresh database per
stack, copied from one migrated template), Redis and Mosquitto."""

import http.client
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import websocket

from config import processes
from tests.helpers import ROOT, SCRUBBED, TEST_SETTINGS, manage
from tests.mqtt import INGEST_PASSWORD, INGEST_USER, Broker
from tests.servers import PostgresServer, free_port, wait_for_port

TEMPLATE = "stack_template"


def wait_for(condition: Callable[[], Any], *, timeout: float = 30, every: float = 0.05, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s: {what or condition}")
        time.sleep(every)
    return value


class Postgres:
    """A private PostgreSQL with the migrated schema as a template database."""

    def __init__(self, directory: Path):
        self.count = 0
        self.server = PostgresServer().start()
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        migrated = manage("migrate", "--noinput", DATABASE_URL=self.server.database_url(TEMPLATE),
                          DATA_DIR=str(directory), **TEST_SETTINGS)  # fmt: skip
        assert migrated.returncode == 0, migrated.stderr

    def database(self) -> str:
        """A fresh migrated database; its URL."""
        self.count += 1
        name = f"stack_{self.count}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.server.database_url(name)

    def execute(self, sql: str) -> None:
        with self.connect(self.server.url) as conn:
            conn.execute(sql)

    @staticmethod
    def connect(database: str) -> psycopg.Connection:
        return psycopg.connect(database, autocommit=True)

    def stop(self) -> None:
        self.server.stop()


def query(database: str, sql: str, *params: Any) -> list[tuple]:
    with psycopg.connect(database, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def world(database: str, directory: Path, **options: Any) -> dict:
    """Users, an instrument (and a gateway) made with the test factories in a process of its
    own (tests/config/stack_world.py); what the test needs to know of them."""
    made = manage("shell", "-c", f"from tests.config.stack_world import main; main({options!r})",
                  DATABASE_URL=database, DATA_DIR=str(directory / "world"), **TEST_SETTINGS)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return json.loads(made.stdout.strip().splitlines()[-1])


class Stack:
    """Processes of the system on one database; each has its own log file."""

    def __init__(self, directory: Path, database: str, *, redis: str = "", broker: Broker | None = None):
        self.directory = directory
        self.processes: dict[str, subprocess.Popen] = {}
        self.urls: dict[str, str] = {}
        clean = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        self.env = {**clean, **TEST_SETTINGS, "DATABASE_URL": database, "DATA_DIR": str(directory / "data"),
                    "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}  # fmt: skip
        if redis:
            self.env["REDIS_URL"] = redis
        if broker is not None:
            self.env["MQTT_URL"] = f"mqtt://{INGEST_USER}:{INGEST_PASSWORD}@127.0.0.1:{broker.port}"

    def start(self, name: str, command: list[str], **environ: str) -> subprocess.Popen:
        with open(self.directory / f"{name}.log", "ab") as log:  # appended to when a process starts again
            process = subprocess.Popen(processes.local(command), cwd=ROOT, env={**self.env, **environ}, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
        self.processes[name] = process
        return process

    def web(self, *names: str, **environ: str) -> list[str]:
        """Start web processes together; their URLs once they listen."""
        ports = {name: free_port() for name in names}
        started = {name: self.start(name, processes.web(port=port), **environ) for name, port in ports.items()}
        for name, port in ports.items():
            wait_for_port(port, timeout=60, process=started[name])
            self.urls[name] = f"http://127.0.0.1:{port}"
        return [self.urls[name] for name in names]

    def ingest(self, name: str, **environ: str) -> None:
        """An ingest worker (client id `name`), once the broker took it; it subscribes right after."""
        connected = "connected (session present"
        before = self.log(name).count(connected)
        self.start(name, [*processes.ingest(client_id=name), "--batch-size", "20"], **environ)
        wait_for(lambda: self.log(name).count(connected) > before, timeout=60, what=f"{name} to connect")

    def jobs(self, name: str, **environ: str) -> None:
        self.start(name, processes.jobs(), **environ)

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def exit_codes(self) -> dict[str, int | None]:
        """Each process's exit status; None while it runs."""
        return {name: process.poll() for name, process in self.processes.items()}

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def call(url: str, method: str, path: str, *, token: str = "", body: dict | None = None, language: str = "en",
         timeout: float = 60) -> Answer:  # fmt: skip
    """One HTTP request to a web process, however it answers."""
    host, port = url.removeprefix("http://").split(":")
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


class Calendar:
    """An instrument's live calendar over a WebSocket, as the calendar page opens it."""

    def __init__(self, url: str, instrument: int, window: tuple[str, str]):
        self.address = url.replace("http://", "ws://") + f"/ws/instruments/{instrument}/calendar/"
        self.origin, self.window = url, window
        self.socket: websocket.WebSocket | None = None

    def open(self) -> dict:
        """Connect and watch the window; the snapshot it answers with."""
        self.socket = websocket.create_connection(self.address, origin=self.origin, timeout=30)
        self.receive()  # the snapshot of this week, sent on connect
        self.socket.send(json.dumps({"type": "watch", "from": self.window[0], "to": self.window[1]}))
        return self.receive()

    def receive(self, timeout: float = 30) -> dict:
        """The next message; a ping from the server does not count, nor wait longer."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self.socket.settimeout(remaining)
            opcode, data = self.socket.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return json.loads(data)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise websocket.WebSocketConnectionClosedException("closed by the server")
        raise websocket.WebSocketTimeoutException(f"nothing came within {timeout} s")

    def busy(self, timeout: float = 30) -> list[tuple[str, str]]:
        """The busy spans of the next snapshot."""
        snapshot = self.receive(timeout)
        assert snapshot["type"] == "calendar", snapshot
        return [(s["start"], s["end"]) for s in snapshot["busy"]]

    def alive(self) -> bool:
        """Whether the server kept the socket open (nothing more came on it for a second)."""
        try:
            self.socket.ping()
            self.receive(timeout=1)
        except websocket.WebSocketTimeoutException:
            return True
        except (websocket.WebSocketException, OSError):
            return False
        return True

    def reopen(self) -> bool:
        """Connect again, as the page does when its socket closes; whether that worked."""
        self.close()
        try:
            self.open()
        except (websocket.WebSocketException, OSError):
            return False
        return True

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
