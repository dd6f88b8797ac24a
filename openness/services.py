"""Writes of openness: detecting anomaly flags and moving them through their states, and
evaluation rounds from draft to published. The API, the admin, the jobs worker and
commands all go through these functions."""

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, User
from accounts.permissions import is_org_admin_of, regulated_region, regulates
from billing.selectors import billed_without_measured_use
from instruments.models import Instrument
from openness import evaluation as ev
from openness import scoring, selectors
from openness.flags import Thresholds, Window, facts_load, findings_for
from openness.models import EvaluationResult, EvaluationRound, Flag

NOTE_REQUIRED = _("Write a note: what happened, and what was done about it.")
EXPLAIN_DENIED = _("Only an admin of the instrument's institution may explain this flag.")
CLOSE_DENIED = _("Only a regulator of the instrument's region may close this flag.")
FLAG_CLOSED = _("This flag is closed; it cannot change any more.")
ROUND_DENIED = _("Only regulators create and run evaluation rounds.")
ROUND_OUTSIDE = _("This round belongs to %(region)s, outside the region you oversee.")
ROUND_PUBLISHED = _("This round is published and frozen; create a new round instead.")
ROUND_NOT_COMPUTED = _("Compute the round before publishing it.")
BAD_PERIOD = _("The period must end after it starts.")


@dataclass(frozen=True)
class Detection:
    created: int
    updated: int
    withdrawn: int  # open flags whose rule no longer fires (late events changed the figures)


def flags_detect(*, start: dt.datetime, end: dt.datetime, instruments: QuerySet[Instrument] | None = None) -> Detection:
    """Run every rule on the in-scope instruments (all, or those given) for [start, end).

    Idempotent: a flag is one (instrument, kind, period). Re-running updates the evidence
    of open flags and withdraws open ones that no longer fire; flags an institution has
    explained or a regulator closed keep the evidence they were judged on."""
    t = Thresholds.current()
    chosen = (instruments if instruments is not None else Instrument.objects.all()).filter(
        original_value__gte=settings.OPENNESS_THRESHOLD_CNY
    )
    rows = selectors.instrument_rows(instruments=chosen.order_by("pk"), start=start, end=end)
    window_start = end - dt.timedelta(days=t.idle_days)
    windows = selectors.instrument_rows(instruments=chosen.order_by("pk"), start=window_start, end=end)
    pks = [row.info["pk"] for row in rows]
    facts = facts_load(instruments=pks)
    billed = billed_without_measured_use(instruments=pks, start=start, end=end)
    found = {
        (row.info["pk"], finding.kind): finding.evidence()
        for row, window in zip(rows, windows, strict=True)
        for finding in findings_for(
            row=row,
            window=Window(window, window_start, end),
            facts=facts[row.info["pk"]],
            start=start,
            end=end,
            t=t,
            billed=billed.get(row.info["pk"]),
        )
    }
    now = timezone.now()
    with transaction.atomic():
        existing = {
            (flag.instrument_id, flag.kind): flag
            for flag in Flag.objects.select_for_update().filter(
                instrument__in=chosen, period_start=start, period_end=end
            )
        }
        new = [
            Flag(instrument_id=pk, kind=kind, period_start=start, period_end=end, evidence=evidence,
                 detected_at=now, updated_at=now)
            for (pk, kind), evidence in found.items() if (pk, kind) not in existing
        ]  # fmt: skip
        # A concurrent run may insert the same flag first; the unique key keeps one.
        Flag.objects.bulk_create(new, ignore_conflicts=True)
        changed, gone = [], []
        for key, flag in existing.items():
            if flag.state != Flag.State.OPEN:
                continue
            if key not in found:
                gone.append(flag.pk)
            elif flag.evidence != found[key]:
                flag.evidence, flag.updated_at = found[key], now
                changed.append(flag)
        Flag.objects.bulk_update(changed, ["evidence", "updated_at"])
        Flag.objects.filter(pk__in=gone).delete()
    return Detection(created=len(new), updated=len(changed), withdrawn=len(gone))


def month_before(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[first day of the previous local month, first day of this one)."""
    local = timezone.localtime(moment)
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - dt.timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    return timezone.make_aware(start.replace(tzinfo=None), tz), timezone.make_aware(end.replace(tzinfo=None), tz)


def flags_detect_previous_month(*, now: dt.datetime | None = None) -> int:
    """The jobs worker's task: late events and settlements keep arriving in the first days
    of a month, so it re-runs and the evidence follows them."""
    start, end = month_before(now or timezone.now())
    detection = flags_detect(start=start, end=end)
    return detection.created + detection.updated + detection.withdrawn


def _note(note: str) -> str:
    if not note.strip():
        raise ValidationError({"note": [NOTE_REQUIRED]})
    return note.strip()


def _locked(flag: Flag) -> Flag:
    # Lock the flag: an explanation and a closing arriving together must not both read
    # "open" and the later write undo the closing.
    locked = Flag.objects.select_for_update().select_related("instrument__institution", "instrument__region")
    current = locked.get(pk=flag.pk)
    if current.state == Flag.State.CLOSED:
        raise ValidationError({"state": [FLAG_CLOSED]})
    return current


def flag_explain(*, flag: Flag, by: User, note: str) -> Flag:
    """The institution's explanation; it may be rewritten until the regulator closes."""
    text = _note(note)
    if not is_org_admin_of(by, flag.instrument.institution):
        raise PermissionDenied(EXPLAIN_DENIED)
    with transaction.atomic():
        current = _locked(flag)
        current.state, current.explanation = Flag.State.EXPLAINED, text
        current.explained_by, current.explained_at = by, timezone.now()
        current.save(update_fields=["state", "explanation", "explained_by", "explained_at"])
    return current


def flag_close(*, flag: Flag, by: User, note: str) -> Flag:
    """The regulator closes an explained flag, or an open one directly, with a note."""
    text = _note(note)
    if not regulates(by, flag.instrument.region):
        raise PermissionDenied(CLOSE_DENIED)
    with transaction.atomic():
        current = _locked(flag)
        current.state, current.closing_note = Flag.State.CLOSED, text
        current.closed_by, current.closed_at = by, timezone.now()
        current.save(update_fields=["state", "closing_note", "closed_by", "closed_at"])
    return current


# Evaluation rounds


def _may_run(by: User, evaluation: EvaluationRound) -> None:
    if regulated_region(by) is None:
        raise PermissionDenied(ROUND_DENIED)
    if not regulates(by, evaluation.region):
        raise PermissionDenied(ROUND_OUTSIDE % {"region": evaluation.region.name})


def _lock_draft(evaluation: EvaluationRound) -> EvaluationRound:
    # Lock the round: a publish must not freeze results that a concurrent compute or
    # weight change is replacing.
    current = EvaluationRound.objects.select_for_update().select_related("region").get(pk=evaluation.pk)
    if current.state == EvaluationRound.State.PUBLISHED:
        raise ValidationError({"state": [ROUND_PUBLISHED]})
    return current


def round_create(
    *, by: User, name: str, start: dt.datetime, end: dt.datetime, region: Region | None = None
) -> EvaluationRound:
    """A draft round of the creator's whole region, or of a region inside it, with a copy
    of the default config."""
    own = regulated_region(by)
    if own is None:
        raise PermissionDenied(ROUND_DENIED)
    region = own if region is None else region
    if not own.contains(region):
        raise PermissionDenied(ROUND_OUTSIDE % {"region": region.name})
    if end <= start:
        raise ValidationError({"to": [BAD_PERIOD]})
    return EvaluationRound.objects.create(
        name=name, region=region, period_start=start, period_end=end,
        config=copy.deepcopy(scoring.DEFAULT_CONFIG), created_by=by,
    )  # fmt: skip


def round_update(
    *, evaluation: EvaluationRound, by: User, name: str | None = None, config: dict[str, Any] | None = None
) -> EvaluationRound:
    """Rename, or change weights, curves and cut-offs, while not published. New weights
    void computed results: they were scored on the old ones."""
    _may_run(by, evaluation)
    with transaction.atomic():
        current = _lock_draft(evaluation)
        if name is not None:
            current.name = name
        if config is not None:
            current.config = scoring.config_clean(config)
            current.results.all().delete()
            current.state, current.computed_at = EvaluationRound.State.DRAFT, None
        current.save(update_fields=["name", "config", "state", "computed_at"])
    return current


def round_compute(*, evaluation: EvaluationRound, by: User) -> EvaluationRound:
    _may_run(by, evaluation)
    with transaction.atomic():
        current = _lock_draft(evaluation)
        current.results.all().delete()
        EvaluationResult.objects.bulk_create(ev.results_compute(evaluation=current))
        current.previous = ev.previous_round(evaluation=current)
        current.state, current.computed_at = EvaluationRound.State.COMPUTED, timezone.now()
        current.save(update_fields=["previous", "state", "computed_at"])
    return current


def round_publish(*, evaluation: EvaluationRound, by: User) -> EvaluationRound:
    """Freeze the round: its stored results are what it shows from now on."""
    _may_run(by, evaluation)
    with transaction.atomic():
        current = _lock_draft(evaluation)
        if current.state != EvaluationRound.State.COMPUTED:
            raise ValidationError({"state": [ROUND_NOT_COMPUTED]})
        current.state, current.published_at, current.published_by = EvaluationRound.State.PUBLISHED, timezone.now(), by
        current.save(update_fields=["state", "published_at", "published_by"])
    return current
