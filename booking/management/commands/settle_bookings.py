import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from booking.settlement import reservations_settle_period, reservations_to_settle

PROGRESS_FROM_ROWS = 200


def moment(text: str) -> dt.datetime:
    """An ISO 8601 time, or a date meaning its midnight in the project's time zone."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not an ISO 8601 date or time, such as 2025-01-01.") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class Command(BaseCommand):
    help = (
        "Settle approved bookings that are due from measured use, as the jobs worker does, and settle imported "
        "completed and no-show bookings again; --from/--to choose bookings by their start, [from, to)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=moment, help="first start, ISO 8601 date or time")
        parser.add_argument("--to", dest="end", type=moment, help="end (excluded), ISO 8601 date or time")

    def handle(self, *args, start: dt.datetime | None, end: dt.datetime | None, **options):
        if start and end and end <= start:
            raise CommandError("--to must be after --from.")
        now = timezone.now()
        chosen = reservations_to_settle(start=start, end=end, now=now)
        total = chosen.count()
        with tqdm(total=total, disable=total < PROGRESS_FROM_ROWS, unit="booking", file=self.stderr._out) as bar:
            report = reservations_settle_period(reservations=chosen, now=now, progress=bar.update)
        for line in report.lines():
            self.stdout.write(line)
