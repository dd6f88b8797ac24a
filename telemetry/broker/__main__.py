"""python -m telemetry.broker --port 18830 --passwords FILE --acl FILE [--pid-file FILE]"""

import argparse
import logging
from pathlib import Path

from telemetry.broker.server import run

parser = argparse.ArgumentParser(description="The embedded MQTT broker (loopback only).")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--passwords", type=Path, required=True)
parser.add_argument("--acl", type=Path)
parser.add_argument("--pid-file", type=Path)
parser.add_argument("--state-file", type=Path, help="sessions and retained messages are saved here on exit")
args = parser.parse_args()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
run(
    host="127.0.0.1",
    port=args.port,
    password_file=args.passwords,
    acl_file=args.acl,
    pid_file=args.pid_file,
    state_file=args.state_file,
)
