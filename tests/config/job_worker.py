"""A jobs worker process on a clock the test turns, run by test_job_lease.py:
`python -m tests.config.job_worker DIR NAME [--hang]`.

It runs one counting job (every minute, lease five minutes) each time the test writes a
new "SEQUENCE ISO-TIME" line to DIR/clock, at that time, then writes SEQUENCE to
DIR/NAME.done. Each run appends "NAME TIME" to DIR/runs. With --hang it never returns
from a run, like a worker stuck or killed mid-job.
"""

import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

EVERY, LEASE = 60, 300


def main(directory: Path, name: str, hang: bool) -> None:
    import django

    django.setup()
    from config.jobs import Job
    from config.worker import jobs_run_due

    now: list[dt.datetime] = []

    def count() -> int:
        with open(directory / "runs", "a") as runs:
            runs.write(f"{name} {now[0].isoformat()}\n")
        if hang:
            signal.pause()  # until the test kills it
        return 1

    job = Job("count", count, EVERY, lease=LEASE)
    (directory / f"{name}.done").write_text("-1")
    done = -1
    while True:
        sequence, at = _clock(directory)
        if sequence == done:
            time.sleep(0.005)  # waiting for the test's next tick
            continue
        now[:] = [at]
        jobs_run_due(jobs=[job], holder=name, clock=lambda: now[0])
        done = sequence
        (directory / f"{name}.done").write_text(str(done))


def _clock(directory: Path) -> tuple[int, dt.datetime]:
    try:
        sequence, at = (directory / "clock").read_text().split()
        return int(sequence), dt.datetime.fromisoformat(at)
    except (FileNotFoundError, ValueError):  # not written yet, or half written
        return -1, dt.datetime.min


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main(Path(sys.argv[1]), sys.argv[2], "--hang" in sys.argv[3:])
