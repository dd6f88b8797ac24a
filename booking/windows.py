"""The time window of an availability question: ?from=…&to=…"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 62
BAD_MOMENT = _("«%(value)s» is not a date or time; write 2026-12-01 or 2026-12-01T09:00+08:00.")
BACKWARDS = _("'to' must be after 'from'.")
TOO_LONG = _("Ask for at most %(days)d days at a time.")
BAD_MINUTES = _("Give a whole number of minutes from 0 to %(most)d.")


def moment(value: str, field: str) -> dt.datetime:
    """An aware datetime from ISO 8601; a bare date is its local midnight."""
    tz = timezone.get_current_timezone()
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = dt.datetime.combine(day, dt.time(), tz)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field: BAD_MOMENT % {"value": value[:40]}})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, tz)


def window(params, *, default_days: int = 7) -> tuple[dt.datetime, dt.datetime]:
    start = moment(params["from"], "from") if params.get("from") else timezone.localtime().replace(
        hour=0, minute=0, second=0, microsecond=0
    )  # fmt: skip
    end = moment(params["to"], "to") if params.get("to") else start + dt.timedelta(days=default_days)
    if end <= start:
        raise ValidationError({"to": BACKWARDS})
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ValidationError({"to": TOO_LONG % {"days": MAX_DAYS}})
    return start, end


def least_minutes(value: str, field: str) -> dt.timedelta:
    """How long a free window must be at least: whole minutes, no longer than the longest window."""
    most = MAX_DAYS * 24 * 60
    try:
        minutes = int(value or 0)
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= most:
        raise ValidationError({field: BAD_MINUTES % {"most": most}})
    return dt.timedelta(minutes=minutes)
