"""Runs several processes as one program (the demo): their output goes to a log file,
and Ctrl-C, SIGTERM or SIGHUP stops them all, in the reverse order of their start, with
status 0.

Each process runs in its own process group, so that a Ctrl-C at the terminal reaches
only the supervisor, which stops the others in order and without their tracebacks.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_TIMEOUT = 10  # seconds a process has to end after SIGTERM before it is killed


class Stopped(Exception):
    """A stop signal arrived."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """Turns Ctrl-C, SIGTERM and SIGHUP into `Stopped` inside the block."""
    previous = {s: signal.signal(s, _stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Makes this process the only one that Ctrl-C reaches while the block runs.

    The terminal sends Ctrl-C to its whole foreground process group: a `make` that
    started this process would die of it with status 130 whatever this process does.
    Like a shell starting a job, this process takes the terminal for a group of its own
    and gives it back at the end. Nothing changes without a terminal, or in the background.
    """
    fd = sys.stdin.fileno() if sys.stdin and sys.stdin.isatty() else -1
    if fd < 0 or os.tcgetpgrp(fd) != os.getpgrp() or os.getpid() == os.getsid(0):
        yield
        return
    previous = os.getpgrp()
    os.setpgid(0, 0)
    _give_terminal(fd, os.getpgrp())
    try:
        yield
    finally:
        _give_terminal(fd, previous)


def _give_terminal(fd: int, group: int) -> None:
    # A process outside the foreground group that sets it is stopped by SIGTTOU unless
    # it ignores the signal, as shells do.
    handler = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        with contextlib.suppress(OSError):  # the group has gone: nobody to give it to
            os.tcsetpgrp(fd, group)
    finally:
        signal.signal(signal.SIGTTOU, handler)


class Supervisor:
    def __init__(self, log: IO[bytes]):
        self.log = log
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str]) -> None:
        self.log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(command)}\n".encode())
        self.log.flush()
        self.running[name] = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, process_group=0
        )

    def wait_for_port(self, port: int, *, timeout: float = 60) -> bool:
        """Whether something listens on the loopback port before the timeout, while every
        process is still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.exited() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def exited(self) -> tuple[str, int] | None:
        """The first process found ended, with its status."""
        for name, process in self.running.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def watch(self) -> tuple[str, int]:
        """Waits until a process ends on its own; returns it with its status."""
        while (ended := self.exited()) is None:
            time.sleep(0.2)
        return ended

    def stop(self) -> None:
        """Stops every process, the last started first, however often Ctrl-C is pressed."""
        ignored = {s: signal.signal(s, signal.SIG_IGN) for s in STOP_SIGNALS}
        try:
            for name in reversed(list(self.running)):
                process = self.running.pop(name)
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(STOP_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
        finally:
            for s, handler in ignored.items():
                signal.signal(s, handler)


def open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "ab")  # the caller closes it
