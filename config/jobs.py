"""What the jobs worker runs, how often, and how long a run may hold its lease (seconds).

However many workers run, each job runs at most once per period (config/leases.py). A
worker that dies mid-run keeps the lease until it expires; then another worker runs the
job again, so `lease` must exceed the job's longest run."""

from collections.abc import Callable
from dataclasses import dataclass

from billing.charges import charges_make
from billing.invoicing import invoices_month_end, invoices_overdue_mark
from billing.reminders import invoices_remind
from billing.vouchers import programmes_expire
from booking.jobs import reminders_send
from booking.notifications import emails_send
from booking.services import reservations_expire
from booking.settlement import reservations_settle
from config.backups import backup_daily
from openness.daily import days_settle
from openness.services import flags_detect_previous_month
from telemetry.broker_auth import write as broker_auth_write
from telemetry.partitions import events_expire, partitions_make_ahead
from telemetry.sessions import close_silent_sessions


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], int]
    every: int
    lease: int = 15 * 60


JOBS = [
    Job("expire undecided requests", reservations_expire, 60),
    Job("remind of bookings", reminders_send, 300),
    Job("send notification emails", emails_send, 15),
    Job("mark silent gateways", close_silent_sessions, 10),
    Job("settle bookings from measured use", reservations_settle, 300),
    Job("sync the broker's credentials", lambda: int(broker_auth_write()), 10),
    Job("charge settled bookings and completed sample orders", charges_make, 300),
    # Idempotent: last month's charges not invoiced yet, one invoice per provider and customer.
    Job("invoice last month", invoices_month_end, 3600),
    Job("remind customers of overdue invoices", invoices_remind, 3600),
    Job("mark overdue invoices against their customers' credit", invoices_overdue_mark, 6 * 3600),
    Job("expire ended voucher programmes", programmes_expire, 6 * 3600),
    # Idempotent; re-run through the month so the evidence follows late events and settlements.
    Job("compute the figures of settled days", days_settle, 600),
    Job("detect anomaly flags of the previous month", flags_detect_previous_month, 6 * 3600),
    Job("make the coming months' telemetry partitions", partitions_make_ahead, 6 * 3600),
    Job("drop raw telemetry events past their retention", events_expire, 6 * 3600),
    # Long: a large database dumps for a while, and a second dump must not start meanwhile.
    Job("back up the database and media", backup_daily, 24 * 3600, lease=6 * 3600),
]
