"""The demo's simulated instruments run when their plan says, and only then."""

import datetime as dt

from gateway.probes import ScheduledProbe

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: float) -> float:
    """A POSIX time in December 2026, local time of Shanghai (the 7th is a Monday)."""
    return dt.datetime(2026, 12, day, tzinfo=SHANGHAI).timestamp() + hour * 3600


def test_it_runs_during_the_plan_and_is_idle_in_working_hours_otherwise():
    probe = ScheduledProbe()
    probe.plan = [(at(7, 10), at(7, 12))]
    assert probe.read(at(7, 10)).state == "running"
    assert probe.read(at(7, 11.99)).state == "running"
    assert probe.read(at(7, 12)).state == "idle"  # a plan's span is half-open
    assert probe.read(at(7, 9.5)).state == "idle"


def test_it_is_off_at_night_and_at_weekends_unless_planned():
    probe = ScheduledProbe()
    assert probe.read(at(7, 7)).state == "off"
    assert probe.read(at(7, 20)).state == "off"
    assert probe.read(at(12, 10)).state == "off"  # a Saturday
    probe.plan = [(at(12, 9), at(12, 11))]
    assert probe.read(at(12, 10)).state == "running"


def test_a_new_plan_takes_effect_at_the_next_reading():
    probe = ScheduledProbe()
    assert probe.read(at(8, 14)).state == "idle"
    probe.plan = [(at(8, 13), at(8, 15))]
    assert probe.read(at(8, 14)).state == "running"
