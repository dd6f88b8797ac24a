"""Leases of the periodic jobs: each job runs at most once per period, however many jobs
workers run (production may start one on each of two machines).

A worker may start a job only by taking its lease with one conditional UPDATE: the row
is free and the job is due, or the holder's lease has expired (it crashed or hung). The
database applies the two workers' UPDATEs one after the other and re-checks the
condition for the second (PostgreSQL re-reads the row it waited for; SQLite writes one
transaction at a time), so exactly one of them matches the row.
"""

import datetime as dt
import logging
import os
import socket
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Q

from config.models import JobLease

log = logging.getLogger("jobs")


def holder_name() -> str:
    """Unique per worker process, and says where it runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_take(*, name: str, holder: str, every: dt.timedelta, hold_for: dt.timedelta, now: dt.datetime) -> bool:
    """Take the job's lease if it is due and free, or held by a lease that has expired."""
    _row_ensure(name)
    free_and_due = Q(holder="") & (Q(last_started__isnull=True) | Q(last_started__lte=now - every))
    expired = ~Q(holder="") & Q(expires_at__lte=now)
    taken = JobLease.objects.filter(free_and_due | expired, name=name).update(
        holder=holder, expires_at=now + hold_for, last_started=now
    )
    return taken == 1


def lease_release(*, name: str, holder: str, now: dt.datetime, result: str = "", error: str = "") -> bool:
    """Record the run and free the lease; False if another worker took it over meanwhile
    (this run overran its lease), whose record then stands."""
    released = JobLease.objects.filter(name=name, holder=holder).update(
        holder="", expires_at=None, last_finished=now, last_result=result[:200], last_error=error
    )
    if not released:
        log.warning("%s: the lease expired during the run and another worker took it over", name)
    return released == 1


def _row_ensure(name: str) -> None:
    if JobLease.objects.filter(name=name).exists():
        return
    # Two workers starting together both find no row; the unique name lets one insert it.
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name)
    except IntegrityError:
        pass
