"""python -m gateway run --config gateway.toml
python -m gateway simulate --gateways N --instruments M --credentials FILE --broker mqtt://host:port"""

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from gateway import config, probes, simulate
from gateway.agent import Agent, Watched
from gateway.outbox import Outbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description="Instrument Commons gateway agent")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="watch the configured instruments and report them")
    run.add_argument("--config", type=Path, required=True)
    sim = commands.add_parser("simulate", help="run simulated gateways (demo, load)")
    sim.add_argument("--gateways", type=int, default=3)
    sim.add_argument("--instruments", type=int, default=4, help="instruments per gateway")
    sim.add_argument("--credentials", type=Path, required=True)
    sim.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    sim.add_argument("--heartbeat", type=float, default=60)
    sim.add_argument("--outbox-dir", type=Path, help="where the outboxes live (kept across runs: seq continues)")
    sim.add_argument("--run-minutes", type=float, default=90, help="mean length of a running spell")
    sim.add_argument("--idle-minutes", type=float, default=40, help="mean length of an idle spell")
    sim.add_argument("--day", default="8.5-19", help="working hours (local, UTC+8), e.g. 8.5-19; 0-24 for all day")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    if args.command == "simulate":
        simulate.run(
            credentials=args.credentials,
            broker=args.broker,
            gateways=args.gateways,
            outbox_dir=args.outbox_dir,
            instruments=args.instruments,
            heartbeat_seconds=args.heartbeat,
            run_minutes=args.run_minutes,
            idle_minutes=args.idle_minutes,
            day=tuple(float(h) for h in args.day.split("-", 1)),
        )
        return 0
    try:
        settings = config.load(args.config)
        watched = [Watched(i.code, probes.make(i.probe, **i.options)) for i in settings.instruments]
    except (config.ConfigError, ValueError, TypeError) as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    agent = Agent(
        gateway=settings.gateway,
        password=settings.password,
        host=settings.host,
        port=settings.port,
        tls=settings.tls,
        ca_file=settings.ca_file,
        watched=watched,
        outbox=Outbox(settings.outbox, max_events=settings.outbox_max_events),
        heartbeat_seconds=settings.heartbeat_seconds,
        sample_seconds=settings.sample_seconds,
        batch_size=settings.batch_size,
        server_ack=settings.server_ack,
        ack_timeout=settings.ack_timeout_seconds,
    )
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    agent.start()
    stopping.wait()
    agent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
