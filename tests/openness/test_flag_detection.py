"""Detection is idempotent: re-running for a period updates the evidence of open flags,
withdraws open ones whose rule no longer fires, keeps what people acted on, and never
makes a second flag of one kind for one instrument and period."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from instruments.models import Instrument
from openness import services
from openness.models import Flag
from tests import factories as f
from tests.openness.flag_stories import MARCH, at, detect, reporting, run

pytestmark = pytest.mark.django_db
Kind = Flag.Kind


def test_running_detection_twice_changes_nothing():
    instrument = reporting(share_mode=Instrument.ShareMode.NONE)
    f.InstrumentFactory()
    first = services.flags_detect(start=MARCH[0], end=MARCH[1])
    rows = list(Flag.objects.values_list("pk", "kind", "evidence", "updated_at"))
    again = services.flags_detect(start=MARCH[0], end=MARCH[1])
    assert first.created == len(rows) >= 3 and (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    assert list(Flag.objects.values_list("pk", "kind", "evidence", "updated_at")) == rows
    assert Kind.NOT_SHARED in detect(instrument)


def test_late_events_update_the_evidence_of_an_open_flag():
    instrument = reporting()
    run(1, instrument)
    before = detect(instrument)[Kind.IDLE]
    run(2, instrument, start=at(31))
    after = detect(instrument)[Kind.IDLE]
    assert after.pk == before.pk and after.detected_at == before.detected_at
    assert (before.evidence["numbers"]["effective_hours"], after.evidence["numbers"]["effective_hours"]) == (
        "1.00", "3.00",
    )  # fmt: skip
    assert Flag.objects.filter(instrument=instrument, kind=Kind.IDLE).count() == 1


def test_an_open_flag_whose_rule_no_longer_fires_is_withdrawn():
    instrument = reporting(share_mode=Instrument.ShareMode.NONE)
    assert Kind.NOT_SHARED in detect(instrument)
    Instrument.objects.filter(pk=instrument.pk).update(share_mode=Instrument.ShareMode.EXTERNAL)
    assert services.flags_detect(start=MARCH[0], end=MARCH[1]).withdrawn == 1
    assert Kind.NOT_SHARED not in detect(instrument)


def test_explained_and_closed_flags_keep_the_evidence_they_were_judged_on():
    instrument = reporting(share_mode=Instrument.ShareMode.NONE)
    run(1, instrument)
    flags = detect(instrument)
    admin = f.UserFactory(organization=instrument.institution, role="org_admin")
    services.flag_explain(flag=flags[Kind.IDLE], by=admin, note="维修停机两周")
    services.flag_close(flag=flags[Kind.NOT_SHARED], by=f.regulator("320000"), note="已整改")
    run(2, instrument, start=at(31))
    Instrument.objects.filter(pk=instrument.pk).update(share_mode=Instrument.ShareMode.EXTERNAL)
    again = detect(instrument)
    assert again[Kind.IDLE].evidence == flags[Kind.IDLE].evidence
    assert again[Kind.IDLE].state == Flag.State.EXPLAINED
    assert again[Kind.NOT_SHARED].state == Flag.State.CLOSED


def test_the_database_refuses_a_second_flag_of_one_kind_instrument_and_period():
    instrument = f.InstrumentFactory()
    flag = detect(instrument)[Kind.GATEWAY]
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(
            instrument=instrument, kind=Kind.GATEWAY, period_start=flag.period_start, period_end=flag.period_end,
            evidence={}, detected_at=flag.detected_at, updated_at=flag.updated_at,
        )  # fmt: skip


def test_another_period_is_another_flag():
    instrument = f.InstrumentFactory()
    detect(instrument)
    detect(instrument, period=(at(32), at(32) + dt.timedelta(days=30)))
    assert Flag.objects.filter(instrument=instrument, kind=Kind.GATEWAY).count() == 2


def test_detection_can_be_limited_to_some_instruments():
    one, other = f.InstrumentFactory(), f.InstrumentFactory()
    services.flags_detect(start=MARCH[0], end=MARCH[1], instruments=Instrument.objects.filter(pk=one.pk))
    assert set(Flag.objects.values_list("instrument_id", flat=True)) == {one.pk}
    assert other.flags.count() == 0


def test_the_jobs_worker_detects_the_previous_local_month():
    instrument = f.InstrumentFactory()
    # April 1, 00:30 in Shanghai is still March 31 in UTC: the month is the local one.
    assert services.flags_detect_previous_month(now=at(32, 0, 30)) >= 1
    flag = instrument.flags.get()
    assert (flag.period_start, flag.period_end) == MARCH
    assert services.month_before(at(1, 12)) == (at(1) - dt.timedelta(days=28), at(1))  # February


def test_the_jobs_worker_runs_detection():
    from config.jobs import JOBS

    assert services.flags_detect_previous_month in [job.run for job in JOBS]
