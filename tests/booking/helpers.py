import datetime as dt

from django.utils import timezone

from booking import services
from tests import factories as f


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time `days` from today at hh:mm (Asia/Shanghai)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())


def book(instrument, requester=None, start=None, end=None, **kwargs):
    requester = requester or f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    start = start or at(2, 10)
    end = end or start + dt.timedelta(hours=2)
    return services.reservation_create(
        instrument=instrument, requester=requester, start=start, end=end, purpose=kwargs.pop("purpose", "XRD 物相分析"),
        **kwargs,
    )  # fmt: skip


def story_hour(hours_before: int) -> dt.datetime:
    """The current hour, on the slot grid, for a story of bookings reaching back
    `hours_before` hours from it — or, where that story would run over local midnight,
    23:00 local of the day before: stories told within one local day, so that a filter
    by day finds all of them."""
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    local = timezone.localtime(now)
    if local.hour >= hours_before:
        return now
    return (local - dt.timedelta(hours=local.hour + 1)).astimezone(dt.UTC)
