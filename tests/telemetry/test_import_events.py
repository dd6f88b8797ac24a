"""import_events: recorded MQTT payloads through the live checks, without the live age
limit, giving the same sessions and gaps whatever the order of the lines."""

import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gateway import protocol
from telemetry import services
from telemetry.models import DeadLetter, Event, InstrumentStatus, ReportingGap, UsageSession
from tests import factories as f

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
T0 = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=90)  # far outside the live window


@pytest.fixture
def instrument():
    lab = f.LabFactory()
    gateway, _ = services.gateway_register(lab=lab, code="gw-h", by=None, heartbeat_seconds=60)  # silent after 3 min
    instrument = f.InstrumentFactory(lab=lab, code="inst-h")
    services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
    return instrument


def payload(events, gateway="gw-h", instrument="inst-h", **extra) -> str:
    """One message of (seq, minute after T0, state) events."""
    body = {"v": 1, "gateway": gateway, **extra, "events": [
        {"seq": s, "instrument": instrument, "ts": protocol.format_ts(T0 + dt.timedelta(minutes=m)), "state": st}
        for s, m, st in events
    ]}  # fmt: skip
    return json.dumps(body)


def write(tmp_path, lines, name="events.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_events", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path: Path) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_events", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def derived(instrument):
    minutes = lambda t: (t - T0).total_seconds() / 60  # noqa: E731
    sessions = [
        (minutes(s.start), minutes(s.end), s.is_open) for s in UsageSession.objects.filter(instrument=instrument)
    ]
    gaps = [(minutes(g.start), minutes(g.end)) for g in ReportingGap.objects.filter(instrument=instrument)]
    return sorted(sessions), sorted(gaps)


# A day in messages of a few heartbeats: two runs, a silence (gateway off for 20 min)
# inside the second, and an idle tail.
STORY = (
    [(m + 1, m, "idle") for m in range(0, 5)]
    + [(m + 1, m, "running") for m in range(5, 30)]
    + [(m + 1, m, "idle") for m in range(30, 40)]
    + [(m + 1, m, "running") for m in range(40, 50)]
    + [(m - 19, m, "running") for m in range(70, 80)]
    + [(m - 19, m, "off") for m in range(80, 90)]
)
LINES = [payload(STORY[n : n + 4]) for n in range(0, len(STORY), 4)]


def test_old_history_is_stored_with_its_sessions_and_gaps(instrument, tmp_path):
    report = run(write(tmp_path, LINES))
    assert f"{len(LINES)} lines" in report
    assert f"{len(STORY)} imported, 0 skipped as already present, 0 rejected." in report
    assert Event.objects.count() == len(STORY)
    assert derived(instrument) == ([(5.0, 30.0, False), (40.0, 49.0, False), (70.0, 80.0, False)], [(49.0, 70.0)])
    assert InstrumentStatus.objects.get(instrument=instrument).state == "off"


def test_importing_again_skips_every_event(instrument, tmp_path):
    path = write(tmp_path, LINES)
    run(path)
    before = derived(instrument)
    assert f"0 imported, {len(STORY)} skipped as already present, 0 rejected." in run(path)
    assert Event.objects.count() == len(STORY) and derived(instrument) == before


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_lines_in_any_order_give_the_sessions_and_gaps_of_the_ordered_file(instrument, tmp_path, seed):
    run(write(tmp_path, LINES))
    expected = derived(instrument)
    for model in (UsageSession, ReportingGap, InstrumentStatus, Event):
        model.objects.all().delete()
    shuffled = LINES[:]
    random.Random(seed).shuffle(shuffled)
    run(write(tmp_path, shuffled, "shuffled.jsonl"))
    assert derived(instrument) == expected


def test_bad_lines_and_events_are_named_and_nothing_is_imported(instrument, tmp_path):
    f.InstrumentFactory(lab=instrument.lab, code="inst-unbound")
    tomorrow = protocol.format_ts(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    future = {"seq": 99, "instrument": "inst-h", "ts": tomorrow, "state": "idle"}
    lines = [
        payload([(1, 0, "idle")]),
        "not json",
        payload([(2, 1, "idle")], gateway="gw-unknown"),
        payload([(3, 2, "idle")], instrument="inst-unbound"),
        json.dumps({"v": 1, "gateway": "gw-h", "events": [future]}),
        payload([(4, 3, "sleeping")]),
        json.dumps({"v": 2, "gateway": "gw-h", "events": []}),
    ]
    report = refused(write(tmp_path, lines))
    for line in [
        "Line 2: not_json:",
        "Line 3: unknown_gateway: 1 events from gw-unknown",
        "Line 4, seq 3: not_bound: inst-unbound is not bound to gw-h",
        "Line 5, seq 99: ts_in_future:",
        "Line 6, seq 4: bad_state:",
        "Line 7: bad_version:",
    ]:
        assert line in report
    assert not Event.objects.exists() and not DeadLetter.objects.exists()


def test_skip_invalid_stores_the_valid_events_and_keeps_the_rejects_as_dead_letters(instrument, tmp_path):
    lines = [payload([(1, 0, "idle"), (2, 1, "running")]), payload([(3, 2, "idle")], gateway="gw-unknown")]
    report = run(write(tmp_path, lines), "--skip-invalid")
    assert "2 imported, 0 skipped as already present, 1 rejected." in report
    assert Event.objects.count() == 2
    assert DeadLetter.objects.get().reason == "unknown_gateway"


def test_a_reused_seq_is_rejected(instrument, tmp_path):
    run(write(tmp_path, [payload([(1, 0, "idle")])]))
    report = refused(write(tmp_path, [payload([(1, 5, "running")])], "again.jsonl"))
    assert "Line 1: seq_reused:" in report


def test_sample_file_imports_for_its_gateway(tmp_path):
    lab = f.LabFactory()
    gateway, _ = services.gateway_register(lab=lab, code="nju-ac-gw1", by=None)
    sem = f.InstrumentFactory(lab=lab, code="nju-2019000123")
    services.instrument_bind(instrument=sem, gateway=gateway, by=None)
    assert "5 imported, 0 skipped as already present, 0 rejected." in run(SAMPLES / "events.jsonl")
    (session,) = UsageSession.objects.filter(instrument=sem)
    cst = dt.timezone(dt.timedelta(hours=8))
    assert (session.start, session.end) == (
        dt.datetime(2025, 3, 4, 9, 5, tzinfo=cst),
        dt.datetime(2025, 3, 4, 9, 8, tzinfo=cst),
    )


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_events", str(tmp_path / "none.jsonl"), stdout=io.StringIO())
