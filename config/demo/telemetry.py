"""Demo gateways (credentials for the simulated agents) and three days of believable
telemetry history: bookings used, some no-shows and overruns, unbooked use."""

import datetime as dt
import json
import random
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from booking.models import Reservation
from booking.settlement import reservations_settle
from config.demo.live import unbooked_spell
from gateway import protocol
from gateway.outbox import Outbox
from instruments.models import Lab
from telemetry import services
from telemetry.ingest import Directory, Message, store

HISTORY_DAYS = 3
STEP = dt.timedelta(seconds=150)  # heartbeats in the history: inside the 180 s timeout
DEMO_LABS = [("NJU", "ac"), ("SUDA", "atc"), ("SINANO", "test"), ("JNU", "food")]


def credentials_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-gateways.json"


def outbox_dir() -> Path:
    return Path(settings.DATA_DIR) / "gateway-outboxes"


def seed_telemetry(*, rng: random.Random) -> None:
    now = timezone.now()
    credentials = []
    for institution, lab_code in DEMO_LABS:
        lab = Lab.objects.get(institution__code=institution, code=lab_code)
        code = f"gw-{institution.lower()}-{lab_code}"
        gateway, secret = services.gateway_register(lab=lab, code=code, by=None, name=f"{lab.name_zh} 网关",
                                                    heartbeat_seconds=60)  # fmt: skip
        instruments = list(lab.instruments.filter(status="normal").order_by("code")[:6])
        for instrument in instruments:
            services.instrument_bind(instrument=instrument, gateway=gateway, by=None)
        last_seq = _history(code, instruments, now, rng)
        outbox = Outbox(outbox_dir() / f"{code}.sqlite3")
        outbox.continue_after(last_seq)  # the simulated agent carries on after the history
        outbox.close()
        credentials.append({"gateway": code, "password": secret, "instruments": [i.code for i in instruments]})
    credentials_file().write_text(json.dumps(credentials, indent=2))
    reservations_settle(now=now)


def _history(gateway: str, instruments, now: dt.datetime, rng: random.Random) -> int:
    start = now - dt.timedelta(days=HISTORY_DAYS)
    end = now - dt.timedelta(minutes=10)
    events, seq = [], 0
    for instrument in instruments:
        running = _running_spans(instrument, start, end, rng)
        moment = start
        while moment < end:
            seq += 1
            events.append(protocol.Event(seq=seq, instrument=instrument.code, ts=moment,
                                         state=_state(moment, running)))  # fmt: skip
            moment += STEP
    directory = Directory()
    for n in range(0, len(events), 2000):
        body = protocol.encode(gateway, sorted(events[n : n + 2000], key=lambda e: e.seq))
        store([Message(protocol.events_topic(gateway), body, now)], directory, now)
    return seq


def _running_spans(instrument, start, end, rng) -> list[tuple[dt.datetime, dt.datetime]]:
    """The bookings used, most of them as booked, a few late or overrunning, one in ten a
    no-show; and the lab's own unbooked use, as the live simulation plans it."""
    spans = []
    booked = [
        (r.start, r.end) for r in Reservation.objects.filter(
            instrument=instrument, status=Reservation.Status.APPROVED, start__gte=start, end__lte=end
        )
    ]  # fmt: skip
    for begin, finish in booked:
        luck = rng.random()
        if luck < 0.1:
            continue  # a no-show
        begin += dt.timedelta(minutes=rng.randint(0, 15))
        finish += dt.timedelta(minutes=rng.randint(10, 40) if luck > 0.9 else -rng.randint(0, 15))
        spans.append((begin, finish))
    day = timezone.localtime(start).date()
    while day <= timezone.localtime(end).date():
        spell = unbooked_spell(instrument.code, day, booked)
        if spell is not None:
            spans.append(spell)
        day += dt.timedelta(days=1)
    return spans


def _state(moment: dt.datetime, running) -> str:
    if any(s <= moment < e for s, e in running):
        return "running"
    hour = timezone.localtime(moment).hour
    return "idle" if 8 <= hour < 19 else "off"
