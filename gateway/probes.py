"""What the agent measures. Each probe watches one instrument and says what it is
doing now; adding a kind of probe is one small class with @register.
"""

import logging
import math
import os
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("gateway.probes")
PROBES: dict[str, type["Probe"]] = {}


@dataclass(frozen=True)
class Reading:
    state: str  # off, idle, running, fault
    readings: dict[str, float] = field(default_factory=dict)


class ProbeError(Exception):
    """The probe could not read; the agent reports nothing rather than a guess."""


def register(cls: type["Probe"]) -> type["Probe"]:
    PROBES[cls.kind] = cls
    return cls


class Probe:
    kind = "none"

    def __init__(self, **options: Any) -> None:
        self.options = options

    def read(self, now: float) -> Reading:
        """The instrument's state at `now` (a POSIX time)."""
        raise NotImplementedError


def make(kind: str, **options: Any) -> Probe:
    try:
        return PROBES[kind](**options)
    except KeyError:
        raise ValueError(f"unknown probe {kind!r}; known: {', '.join(sorted(PROBES))}") from None


@register
class SimulatedProbe(Probe):
    """A believable instrument day: off at night, then idle spells and running spells
    of random length during working hours, rarely a fault."""

    kind = "simulated"

    def __init__(
        self,
        *,
        seed: int = 0,
        day_start: float = 8.5,
        day_end: float = 19.0,
        run_minutes: float = 90,
        idle_minutes: float = 40,
        utc_offset_hours: float = 8,
        power_w: float = 900,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.random = random.Random(seed)
        self.day_start, self.day_end, self.offset = day_start, day_end, utc_offset_hours
        self.run_minutes, self.idle_minutes, self.power_w = run_minutes, idle_minutes, power_w
        self.state, self.until = "idle", 0.0

    def read(self, now: float) -> Reading:
        hour = ((now / 3600) + self.offset) % 24
        if not self.day_start <= hour < self.day_end:
            self.state, self.until = "off", 0.0
            return Reading("off", {"power_w": 0.0})
        if self.until == 0.0:  # the first reading of the day: anywhere in the pattern
            running_share = self.run_minutes / (self.run_minutes + self.idle_minutes)
            self.state = "running" if self.random.random() < running_share else "idle"
            mean = self.run_minutes if self.state == "running" else self.idle_minutes
            self.until = now + 60 * self.random.uniform(0, 2 * mean)
        elif now >= self.until:
            if self.state == "running":
                self.state = "fault" if self.random.random() < 0.02 else "idle"
                mean = self.idle_minutes
            else:
                self.state, mean = "running", self.run_minutes
            self.until = now + 60 * self.random.expovariate(1 / mean)
        watts = {
            "running": self.power_w * self.random.uniform(0.85, 1.1),
            "idle": self.power_w * 0.05,
            "fault": self.power_w * 0.02,
        }[self.state]
        return Reading(self.state, {"power_w": round(watts, 1)})


@register
class ScheduledProbe(Probe):
    """A simulated instrument that runs when its plan says: during the spans of `plan`
    ([start, end) POSIX times, replaced from outside while the agent runs), idle on
    working days in working hours otherwise, off at night and at weekends."""

    kind = "scheduled"

    def __init__(
        self,
        *,
        day_start: float = 8.5,
        day_end: float = 19.0,
        utc_offset_hours: float = 8,
        power_w: float = 900,
        seed: int = 0,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.day_start, self.day_end, self.offset, self.power_w = day_start, day_end, utc_offset_hours, power_w
        self.random = random.Random(seed)
        self.plan: list[tuple[float, float]] = []

    def read(self, now: float) -> Reading:
        if any(start <= now < end for start, end in self.plan):
            return Reading("running", {"power_w": round(self.power_w * self.random.uniform(0.85, 1.1), 1)})
        local = now + self.offset * 3600
        hour, weekday = (local / 3600) % 24, (int(local // 86400) + 3) % 7  # 1970-01-01 was a Thursday
        if weekday < 5 and self.day_start <= hour < self.day_end:
            return Reading("idle", {"power_w": round(self.power_w * 0.05, 1)})
        return Reading("off", {"power_w": 0.0})


@register
class PowerProbe(Probe):
    """Running above `running_w` watts, idle above `idle_w`, off below; the power comes
    from a file (a PDU or smart plug exporter) or from a command's output."""

    kind = "power"

    def __init__(
        self, *, running_w: float, idle_w: float = 5.0, file: str = "", command: str = "", **options: Any
    ) -> None:
        super().__init__(**options)
        if bool(file) == bool(command):
            raise ValueError("a power probe reads either a file or a command")
        self.running_w, self.idle_w, self.file, self.command = running_w, idle_w, file, command

    def read(self, now: float) -> Reading:
        try:
            if self.file:
                text = Path(self.file).read_text()
            else:
                text = subprocess.run(
                    self.command, shell=True, capture_output=True, text=True, timeout=5, check=True
                ).stdout
            watts = float(text.strip().split()[0])
        except (OSError, ValueError, IndexError, subprocess.SubprocessError) as error:
            raise ProbeError(f"cannot read power: {error}") from None
        if not math.isfinite(watts) or watts < 0:
            raise ProbeError(f"implausible power {watts}")
        state = "running" if watts >= self.running_w else "idle" if watts >= self.idle_w else "off"
        return Reading(state, {"power_w": watts})


@register
class ProcessProbe(Probe):
    """Running while the instrument's control software runs (a process whose command
    line contains `process`), idle otherwise: the PC is on."""

    kind = "process"

    def __init__(self, *, process: str, proc: str = "/proc", **options: Any) -> None:
        super().__init__(**options)
        self.process, self.proc = process, Path(proc)

    def read(self, now: float) -> Reading:
        for entry in os.scandir(self.proc):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (Path(entry.path) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # the process ended meanwhile
            if self.process in cmdline:
                return Reading("running")
        return Reading("idle")
