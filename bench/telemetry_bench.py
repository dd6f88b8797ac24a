"""Telemetry ingest benchmark on private PostgreSQL and Mosquitto servers.

In one run, over the same broker and the same pre-encoded messages:
1. baseline: a bare paho subscriber that only counts messages (QoS 1, auto-ack);
2. the ingest worker (`manage.py ingest_telemetry`, a process of its own): publish →
   committed row and the gateway's end-to-end acknowledgement moved past it (every
   message carries its `after`, as the agents send it);
3. raw binary COPY of the same rows into a table without constraints.
Then a gateway agent delivers a full outbox through the worker, once deleting on the
server's acknowledgement and once (as older agents) on the broker's PUBACK.
It prints events/s and the ratios, and the peak memory (VmHWM) of the ingest worker
and of the agent.

    .venv/bin/python -m bench.telemetry_bench [--events 300000] [--per-message 100]
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.helpers import TEST_SETTINGS
from tests.servers import MosquittoServer, PostgresServer

ROOT = Path(__file__).resolve().parents[1]
INGEST_PASSWORD = "bench-ingest"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--per-message", type=int, default=100)
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--instruments", type=int, default=50, help="per gateway")
    args = parser.parse_args()

    pg = PostgresServer().start()
    auth = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    try:
        os.environ.update(
            TEST_SETTINGS,
            DATABASE_URL=pg.database_url("postgres"),
            DJANGO_SETTINGS_MODULE="config.settings",
            MQTT_INGEST_PASSWORD=INGEST_PASSWORD,
            LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        gateways = _seed(args.gateways, args.instruments, auth)
        broker = MosquittoServer(password_file=auth / "passwords", acl_file=auth / "acl").start()
        try:
            messages = _messages(gateways, args.events, args.per_message)
            total = sum(n for _, _, n in messages)
            print(
                f"{total} events in {len(messages)} messages of {args.per_message}, {len(gateways)} gateways × "
                f"{args.instruments} instruments; Mosquitto {broker.port}, PostgreSQL {pg.port}\n"
            )
            baseline = _bare_subscriber(broker, gateways, messages, total)
            worker = _start_worker(broker)
            try:
                ingest = _ingest(broker, gateways, messages, total)
                acked, acked_emptied, agent_peak = _agent(broker, gateways[0], server_ack=True, base=10**7,
                                                          instrument=0)  # fmt: skip
                pubacked, pubacked_emptied, _ = _agent(broker, gateways[0], server_ack=False, base=2 * 10**7,
                                                       instrument=1)  # fmt: skip
                peak = _peak_kib(worker.pid)
            finally:
                worker.terminate()
                worker.wait(30)
            copy = _raw_copy(messages)
        finally:
            broker.stop()
        print(f"{'run':<44}{'events/s':>12}{'ratio':>10}")
        for name, rate in (
            ("bare paho subscriber (counts only)", baseline),
            ("ingest worker, publish → committed, acked", ingest),
            ("raw COPY of the same rows", copy),
        ):
            print(f"{name:<44}{rate:>12,.0f}{rate / baseline:>10.2f}")
        print(f"\ningest / bare subscriber: {ingest / baseline:.2f}; ingest / raw COPY: {ingest / copy:.2f}")
        print("\nan agent delivering 50,000 queued events through the worker (events/s):")
        print(f"{'outbox deletes on':<28}{'all committed':>16}{'outbox empty':>16}")
        print(f"{'the server ack':<28}{acked:>16,.0f}{acked_emptied:>16,.0f}")
        print(f"{'the broker PUBACK':<28}{pubacked:>16,.0f}{pubacked_emptied:>16,.0f}")
        print(f"committed, server ack / PUBACK: {acked / pubacked:.2f}")
        print(f"peak memory: ingest worker {peak / 1024:.0f} MiB; agent {agent_peak / 1024:.0f} MiB")
    finally:
        pg.stop()


def _seed(count: int, per_gateway: int, auth: Path) -> list[tuple[str, str, list[str]]]:
    from accounts.models import Organization, Region
    from instruments.models import Category, Instrument, Lab
    from telemetry import broker_auth, services

    region = Region.objects.get(code="320102")
    university = Organization.objects.create(code="BENCH", name_zh="基准大学", kind="university", region=region)
    lab = Lab.objects.create(institution=university, code="lab", name_zh="实验室")
    category = Category.objects.get(code="010100")
    gateways = []
    for g in range(count):
        gateway, secret = services.gateway_register(lab=lab, code=f"gw-bench-{g}", by=None)
        codes = []
        for i in range(per_gateway):
            instrument = Instrument.objects.create(
                lab=lab,
                institution=university,
                code=f"b{g}-{i}",
                name_zh="仪器",
                inner_id=f"{g}-{i}",
                category=category,
                original_value=600000,
                region=region,
            )
            services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
            codes.append(instrument.code)
        gateways.append((gateway.code, secret, codes))
    broker_auth.write(auth)
    return gateways


def _messages(gateways, events: int, per_message: int) -> list[tuple[str, bytes, int]]:
    from gateway import protocol

    now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=12)
    out, seq = [], {code: 0 for code, _, _ in gateways}
    for n in range(events // per_message):
        code, _, instruments = gateways[n % len(gateways)]
        batch = []
        for _ in range(per_message):
            seq[code] += 1
            s = seq[code]
            batch.append(
                protocol.Event(
                    seq=s,
                    instrument=instruments[s % len(instruments)],
                    ts=now + dt.timedelta(seconds=s // len(instruments)),
                    state="running" if (s // 2000) % 2 else "idle",
                    readings={"power_w": 812.5},
                )
            )
        out.append((code, protocol.encode(code, batch, after=batch[0].seq - 1), per_message))
    return out


def _publish(broker, gateways, messages) -> None:
    """One publisher thread per gateway, QoS 1, as the agents would."""
    from gateway import protocol

    def run(code, secret):
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{code}", protocol=mqtt.MQTTv5)
        client.username_pw_set(code, secret)
        client.max_inflight_messages_set(50)
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        infos = [client.publish(protocol.events_topic(code), body, qos=1) for c, body, _ in messages if c == code]
        for info in infos:
            info.wait_for_publish(60)
        client.disconnect()
        client.loop_stop()

    threads = [threading.Thread(target=run, args=(code, secret)) for code, secret, _ in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _bare_subscriber(broker, gateways, messages, total) -> float:
    from gateway import protocol

    counted = {"events": 0}
    done = threading.Event()

    def on_message(client, userdata, message):
        # Count the events as a consumer must: decode the JSON (orjson, as the worker does).
        import orjson

        counted["events"] += len(orjson.loads(message.payload)["events"])
        if counted["events"] >= total:
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bare", protocol=mqtt.MQTTv5)
    client.username_pw_set("ingest", INGEST_PASSWORD)
    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    client.subscribe(f"$share/bare/{protocol.EVENTS_SUBSCRIPTION}", qos=1)
    subscribed.wait(10)
    began = time.perf_counter()
    _publish(broker, gateways, messages)
    done.wait(300)
    elapsed = time.perf_counter() - began
    client.disconnect()
    client.loop_stop()
    return counted["events"] / elapsed


def _start_worker(broker) -> subprocess.Popen:
    env = {**os.environ, "MQTT_URL": f"mqtt://ingest:{INGEST_PASSWORD}@127.0.0.1:{broker.port}"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "ingest_telemetry", "--client-id", "ingest-bench", "--batch-size", "500"],
        cwd=ROOT,
        env=env,
    )
    time.sleep(3)  # connected and subscribed
    return worker


def _ingest(broker, gateways, messages, total) -> float:
    from django.db import connection
    from django.db.models import Sum

    from telemetry.models import Acknowledged, Event

    began = time.perf_counter()
    _publish(broker, gateways, messages)
    # Done when every event is stored and every gateway's acknowledgement covers its last seq.
    while Event.objects.count() < total or (Acknowledged.objects.aggregate(s=Sum("seq"))["s"] or 0) < total:
        connection.close()
        time.sleep(0.05)
        if time.perf_counter() - began > 600:
            raise RuntimeError("ingest did not finish in 10 minutes")
    return total / (time.perf_counter() - began)


def _raw_copy(messages) -> float:
    import orjson
    from django.db import connection

    rows = []
    for _code, body, _ in messages:
        for e in orjson.loads(body)["events"]:
            rows.append((1, e["seq"], 1, e["ts"], e["state"], e.get("power_w"), None, dt.datetime.now(dt.UTC)))
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (gateway_id int, seq bigint, instrument_id bigint,"
            " ts timestamptz, state varchar(8), power_w float8, readings jsonb, received_at timestamptz)"
        )
        began = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - began
    return len(rows) / elapsed


AGENT = """
import datetime as dt, sys, time, pathlib, tempfile
from gateway.agent import Agent
from gateway.outbox import Outbox
code, secret, port, instrument, base, server_ack = sys.argv[1:7]
outbox = Outbox(pathlib.Path(tempfile.mkdtemp()) / "o.sqlite3")
outbox.continue_after(int(base))  # past the seqs of the runs before
start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=50_000)
for n in range(50_000):
    outbox.add(instrument, start + dt.timedelta(seconds=n), "running" if n // 100 % 2 else "idle", {"power_w": 800.0})
agent = Agent(gateway=code, password=secret, host="127.0.0.1", port=int(port), outbox=outbox, watched=[],
              server_ack=server_ack == "1")
print("ready", flush=True)
began = time.perf_counter()
agent.start(sampling=False)
while outbox.stats()["pending"]:
    time.sleep(0.01)
rate = 50_000 / (time.perf_counter() - began)
agent.stop()
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(rate, peak)
"""


def _agent(broker, gateway, *, server_ack: bool, base: int, instrument: int) -> tuple[float, float, int]:
    """An agent delivering 50,000 queued events (seqs above `base`) of one instrument (a
    different one each run, so that no run's events come late to another's sessions):
    events/s until all are committed, events/s until its outbox is empty, its peak memory."""
    from django.db import connection

    from telemetry.models import Event

    code, secret, instruments = gateway
    agent = subprocess.Popen(
        [sys.executable, "-c", AGENT, code, secret, str(broker.port), instruments[instrument], str(base),
         "1" if server_ack else "0"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert agent.stdout.readline().strip() == "ready"
    began = time.perf_counter()
    while Event.objects.filter(gateway__code=code, seq__gt=base).count() < 50_000:
        connection.close()
        time.sleep(0.02)
        if time.perf_counter() - began > 300:
            raise RuntimeError("the agent's events were not committed in 5 minutes")
    committed = 50_000 / (time.perf_counter() - began)
    out, _ = agent.communicate(timeout=300)
    emptied, peak = out.split()
    return committed, float(emptied), int(peak)


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
