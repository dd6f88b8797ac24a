"""One pass of the jobs worker: run each job that is due and whose lease this worker takes."""

import datetime as dt
import logging
import traceback
from collections.abc import Callable, Iterable

from django.utils import timezone

from config import metrics
from config.jobs import Job
from config.leases import lease_release, lease_take
from config.models import JobLease

log = logging.getLogger("jobs")

Clock = Callable[[], dt.datetime]


def jobs_run_due(*, jobs: Iterable[Job], holder: str, clock: Clock = timezone.now) -> list[str]:
    """Run the due jobs whose leases this worker takes; the names of those it ran."""
    jobs = list(jobs)
    # One read spares the workers an UPDATE per job and second; the UPDATE decides.
    leases = JobLease.objects.in_bulk([job.name for job in jobs], field_name="name")
    ran = []
    for job in jobs:
        every, hold_for = dt.timedelta(seconds=job.every), dt.timedelta(seconds=job.lease)
        lease = leases.get(job.name)
        if lease is not None and not _may_be_taken(lease, every, clock()):
            continue
        if not lease_take(name=job.name, holder=holder, every=every, hold_for=hold_for, now=clock()):
            continue
        ran.append(job.name)
        try:
            with metrics.job_timed(job.name):
                done = job.run()
        except Exception:  # one failing job must not stop the others
            log.exception("%s failed", job.name)
            lease_release(name=job.name, holder=holder, now=clock(), error=traceback.format_exc())
            continue
        if done:
            log.info("%s: %s", job.name, done)
        lease_release(name=job.name, holder=holder, now=clock(), result=str(done))
    return ran


def _may_be_taken(lease: JobLease, every: dt.timedelta, now: dt.datetime) -> bool:
    if lease.holder:
        return lease.expires_at is not None and lease.expires_at <= now
    return lease.last_started is None or lease.last_started <= now - every
