"""Many virtual gateways in one process, with believable daily patterns: for the demo
and for load. Credentials come from a JSON file:
[{"gateway": "gw-…", "password": "…", "instruments": ["code", …]}, …]
"""

import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.agent import Agent, Watched
from gateway.config import broker_address
from gateway.outbox import Outbox
from gateway.probes import Probe, SimulatedProbe

log = logging.getLogger("gateway.simulate")


def agents(
    *,
    credentials: Path,
    broker: str,
    gateways: int,
    instruments: int,
    outbox_dir: Path | None = None,
    heartbeat_seconds: float = 60,
    run_minutes: float = 90,
    idle_minutes: float = 40,
    day: tuple[float, float] = (8.5, 19.0),
    probe: Callable[[str, int], Probe] | None = None,
) -> list[Agent]:
    """The simulated agents, not started. Each instrument gets `probe(code, seed)`, or by
    default a random day pattern of running and idle spells."""
    host, port, tls = broker_address(broker)
    entries = json.loads(credentials.read_text())[:gateways]
    # The outboxes must outlive the process: seq continues across restarts.
    directory = outbox_dir or Path(tempfile.mkdtemp(prefix="gateway-sim-"))
    made = []
    for n, entry in enumerate(entries):
        watched = [
            Watched(
                code,
                probe(code, n * 1000 + i)
                if probe
                else SimulatedProbe(
                    seed=n * 1000 + i,
                    run_minutes=run_minutes,
                    idle_minutes=idle_minutes,
                    day_start=day[0],
                    day_end=day[1],
                ),
            )
            for i, code in enumerate(entry["instruments"][:instruments])
        ]
        made.append(
            Agent(
                gateway=entry["gateway"],
                password=entry["password"],
                host=host,
                port=port,
                tls=tls,
                outbox=Outbox(directory / f"{entry['gateway']}.sqlite3"),
                watched=watched,
                heartbeat_seconds=heartbeat_seconds,
            )
        )
    return made


def run(**options: Any) -> None:
    running = agents(**options)
    for agent in running:
        agent.start()
    log.info("%d simulated gateways running", len(running))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for agent in running:
            agent.stop(timeout=2)
