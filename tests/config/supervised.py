"""Two sleeping processes under config.supervisor, as the demo runs its own: started in
order, stopped on a signal in reverse order, with status 0. Run by test_supervisor.py:
`python -m tests.config.supervised LOG`."""

import sys
from pathlib import Path

from config.supervisor import Stopped, Supervisor, open_log, stop_signals, terminal_foreground

SLEEPER = (
    "import signal, sys\n"
    "name = sys.argv[1]\n"
    "signal.signal(signal.SIGTERM, lambda *_: (print(name, 'stops', flush=True), sys.exit(0)))\n"
    "print(name, 'runs', flush=True)\n"
    "signal.pause()  # a service that runs until it is told to stop\n"
)


def main(log_path: Path) -> None:
    with terminal_foreground(), stop_signals(), open_log(log_path) as log:
        supervisor = Supervisor(log)
        try:
            for name in ("first", "second"):
                supervisor.start(name, [sys.executable, "-c", SLEEPER, name])
            print("pids", *(p.pid for p in supervisor.running.values()), flush=True)
            name, status = supervisor.watch()
            print(f"{name} ended with {status}", flush=True)
            supervisor.stop()
            sys.exit(1)
        except Stopped:
            supervisor.stop()
            print("stopped", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
