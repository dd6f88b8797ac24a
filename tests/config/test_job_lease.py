"""Each periodic job runs at most once per period however many jobs workers run, and a
crashed worker's job is taken over once its lease expires."""

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from config.jobs import JOBS, Job
from config.leases import lease_release, lease_take
from config.models import JobLease
from config.worker import jobs_run_due
from tests.config.job_worker import EVERY, LEASE
from tests.config.stack import wait_for
from tests.helpers import ROOT, SCRUBBED, TEST_SETTINGS, database_url

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


class Workers:
    """Real worker processes (tests/config/job_worker.py) on the test database, stepping
    through the times the test sets, all of them at each step."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.processes: dict[str, subprocess.Popen] = {}
        self.sequence = -1
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        self.env = {**env, **TEST_SETTINGS, "DATABASE_URL": database_url(connection.settings_dict),
                    "DATA_DIR": str(directory), "LOG_LEVEL": "WARNING"}  # fmt: skip

    def start(self, name: str, *flags: str) -> None:
        command = [sys.executable, "-m", "tests.config.job_worker", str(self.directory), name, *flags]
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env)
        wait_for(lambda: self._done(name) == self.sequence, what=f"{name} to start")

    def at(self, when: dt.datetime, *names: str) -> None:
        """Let every worker (or those named) make one pass at `when`, and wait for them."""
        self.sequence += 1
        staged = self.directory / "clock.new"
        staged.write_text(f"{self.sequence} {when.isoformat()}")
        staged.rename(self.directory / "clock")  # workers never read half a line
        for name in names or self.processes:
            wait_for(lambda name=name: self._done(name) == self.sequence, what=f"{name} at {when}")

    def runs(self) -> list[tuple[str, dt.datetime]]:
        path = self.directory / "runs"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(name, dt.datetime.fromisoformat(at)) for name, at in (line.split() for line in lines)]

    def kill(self, name: str) -> None:
        self.processes[name].kill()
        self.processes[name].wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill()
            process.wait()

    def _done(self, name: str) -> int | None:
        process = self.processes[name]
        if process.poll() is not None:
            raise AssertionError(f"worker {name} exited with {process.returncode}")
        try:
            return int((self.directory / f"{name}.done").read_text())
        except (FileNotFoundError, ValueError):
            return None


@pytest.fixture
def workers(tmp_path):
    group = Workers(tmp_path)
    yield group
    group.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_worker_processes_run_a_job_once_per_period(workers):
    workers.start("first")
    workers.start("second")
    # Ten minutes in steps of twenty seconds: a period starts every third step.
    for step in range(30):
        workers.at(T0 + step * dt.timedelta(seconds=20))
    runs = workers.runs()
    assert [at for _, at in runs] == [T0 + n * dt.timedelta(seconds=EVERY) for n in range(10)]
    lease = JobLease.objects.get(name="count")
    assert (lease.holder, lease.expires_at, lease.last_result) == ("", None, "1")
    assert lease.last_started == lease.last_finished == T0 + 9 * MINUTE


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_workers_job_is_taken_over_when_its_lease_expires(workers):
    workers.start("stuck", "--hang")
    workers.sequence += 1  # the stuck worker never reports this step done
    (workers.directory / "clock").write_text(f"{workers.sequence} {T0.isoformat()}")
    wait_for(lambda: workers.runs() == [("stuck", T0)], what="the stuck worker's run")
    workers.kill("stuck")
    workers.processes.pop("stuck")
    workers.start("rescuer")

    lease_end = T0 + dt.timedelta(seconds=LEASE)
    workers.at(lease_end - dt.timedelta(seconds=1))
    assert JobLease.objects.get(name="count").holder == "stuck"
    workers.at(lease_end)
    assert workers.runs() == [("stuck", T0), ("rescuer", lease_end)]
    lease = JobLease.objects.get(name="count")
    assert (lease.holder, lease.last_started, lease.last_finished) == ("", lease_end, lease_end)


@pytest.mark.django_db
def test_a_lease_is_taken_only_when_free_and_due_or_expired():
    every, hold = MINUTE, 5 * MINUTE
    take = {"name": "count", "every": every, "hold_for": hold}
    assert lease_take(**take, holder="a", now=T0)
    assert not lease_take(**take, holder="b", now=T0 + 2 * MINUTE)  # due, but held
    assert lease_release(name="count", holder="a", now=T0 + 2 * MINUTE, result="3")
    assert not lease_take(**take, holder="b", now=T0 + 30 * dt.timedelta(seconds=1))  # free, not due
    assert lease_take(**take, holder="b", now=T0 + 3 * MINUTE)
    assert lease_take(**take, holder="c", now=T0 + 8 * MINUTE)  # b's lease expired
    assert not lease_release(name="count", holder="b", now=T0 + 9 * MINUTE)  # too late: c's run stands
    lease = JobLease.objects.get(name="count")
    assert (lease.holder, lease.last_started, lease.last_finished) == ("c", T0 + 8 * MINUTE, T0 + 2 * MINUTE)


@pytest.mark.django_db
def test_a_failing_job_records_its_error_and_frees_its_lease():
    def broken() -> int:
        raise ValueError("no such printer")

    ran = jobs_run_due(jobs=[Job("print", broken, 60), Job("count", lambda: 2, 60)], holder="a", clock=lambda: T0)
    assert ran == ["print", "count"]
    failed, counted = JobLease.objects.get(name="print"), JobLease.objects.get(name="count")
    assert "ValueError: no such printer" in failed.last_error
    assert (failed.holder, failed.last_finished) == ("", T0)
    assert (counted.last_result, counted.last_error) == ("2", "")
    assert jobs_run_due(jobs=[Job("print", broken, 60)], holder="b", clock=lambda: T0 + MINUTE) == ["print"]


@pytest.mark.django_db
def test_every_job_has_a_lease_longer_than_nothing_and_a_unique_name():
    assert all(job.lease > 0 and job.every > 0 for job in JOBS)
    assert [name for name, n in Counter(job.name for job in JOBS).items() if n > 1] == []


@pytest.mark.django_db
def test_the_admin_shows_the_leases_but_cannot_change_them(admin_client):
    lease = JobLease.objects.create(name="count", holder="a", last_result="3")
    page = admin_client.get("/admin/config/joblease/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "count" in page.content.decode()
    assert admin_client.get(f"/admin/config/joblease/{lease.pk}/change/").status_code == 200
    assert admin_client.get("/admin/config/joblease/add/").status_code == 403
    assert admin_client.post(f"/admin/config/joblease/{lease.pk}/change/", {"holder": ""}).status_code == 403
    assert admin_client.post(f"/admin/config/joblease/{lease.pk}/delete/", {"post": "yes"}).status_code == 403
    lease.refresh_from_db()
    assert lease.holder == "a"
