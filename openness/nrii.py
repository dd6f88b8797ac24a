"""Records for the national platform (NRII): instruments (instruType 4) and service records
(instruType 6, one per served booking), with DESIGN.md's field names, grouped by unit (the
institution that reports them). docs/nrii-v1.schema.json is their contract; docs/openness.md
explains each choice.

- Money in 万元 (`worth`, and `amounts`: the booking's charge with VAT; null when unpriced).
- Dates `YYYY-MM-DD`; times `YYYY-MM-DD HH:MM:SS` in Beijing time (Asia/Shanghai), no offset.
- Regions as GB/T 2260 codes; coded values in NRII's Chinese spellings.
- Only in-scope instruments (original value at or above the openness threshold): the
  national platform collects large instruments only.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from billing.ratings import nrii_comment
from booking.models import Reservation
from instruments import nrii
from instruments.models import Instrument
from openness.periods import Period
from openness.serializers import rounded

SCHEMA = "nrii-v1"
INSTRUMENT, SERVICE = 4, 6


def _spelling(table: dict[str, str]) -> dict[str, str]:
    """Our value → NRII's first Chinese spelling of it."""
    out: dict[str, str] = {}
    for chinese, ours in table.items():
        out.setdefault(ours, chinese)
    return out


SHARE_MODES, STATUSES, TYPES = _spelling(nrii.SHARE_MODES), _spelling(nrii.STATUSES), _spelling(nrii.TYPES)
SERVICE_WAYS = {
    Reservation.ServiceWay.USE: "占用共享", Reservation.ServiceWay.TECHNICAL: "技术共享",
    Reservation.ServiceWay.ENTRUSTED: "委托共享", Reservation.ServiceWay.REMOTE: "远程共享",
}  # fmt: skip
# Bookings do not record a direction of service yet.
UNKNOWN_DIRECTION = "其他"


def wan(amount: Decimal) -> float:
    """CNY → 万元 as a JSON number. The float's shortest repr is the decimal itself: a
    value with at most 15 significant digits (ours have 14) survives the round trip."""
    return float(amount / 10000)


def local_time(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _regions(code: str, level: int) -> tuple[str, str, str]:
    province = code[:2] + "0000"
    city = code[:4] + "00" if level >= 2 else ""
    return province, city, code if level >= 3 else ""


def instrument_record(instrument: Instrument) -> dict:
    province, city, county = _regions(instrument.region_id, instrument.region.level)
    record: dict = {"instruType": INSTRUMENT}
    for name, attribute in nrii.FIELDS.items():
        record[name] = getattr(instrument, attribute)
    record.update(
        instrCategory=instrument.category_id,
        type=TYPES[instrument.type],
        worth=wan(instrument.original_value),
        beginDate=instrument.in_service_date.isoformat() if instrument.in_service_date else None,
        shareMode=SHARE_MODES[instrument.share_mode],
        status=STATUSES[instrument.status],
        province=province,
        city=city,
        county=county,
    )
    return record


def service_record(booking: Reservation) -> dict:
    """A served booking. serviceAmount is the use measured by telemetry where there was a
    reporting gateway, else the booked hours (settlement marks those unverified)."""
    if booking.usage_verified and booking.measured_minutes is not None:
        hours = Fraction(booking.measured_minutes) / 60
    else:
        hours = Fraction((booking.end - booking.start) // dt.timedelta(seconds=1), 3600)
    requester = booking.requester
    rating = getattr(booking, "rating", None)  # the customer's rating, if they gave one
    charge = getattr(booking, "charge", None)  # what billing charged for it, if it was priced
    return {
        "instruType": SERVICE,
        "innerId": booking.instrument.inner_id,
        "amounts": wan(charge.net + charge.vat) if charge is not None else None,
        "serviceTime": local_time(booking.start),
        "endTime": local_time(booking.end),
        "serviceAmount": float(rounded(hours, 2)),
        "serviceWay": SERVICE_WAYS.get(booking.service_way, "其他"),
        "serviceType": "外部用户" if booking.organization_id != booking.instrument.institution_id else "内部用户",
        "serviceDirection": UNKNOWN_DIRECTION,
        "applicant": requester.get_full_name() or requester.username,
        "applicantUnit": booking.organization.name_zh,
        "comment": nrii_comment(rating.average) if rating is not None else None,
    }


def _document(kind: int, units: dict, names: dict, period: Period | None) -> dict:
    return {
        "schema": SCHEMA,
        "instruType": kind,
        "exportedAt": local_time(timezone.now()),
        "period": None if period is None else {"from": period.first.isoformat(), "to": period.after.isoformat()},
        "units": [
            {"unitCode": code, "unitName": names[code], "records": units[code]} for code in sorted(units)
        ],
    }  # fmt: skip


def in_scope(instruments: QuerySet[Instrument]) -> QuerySet[Instrument]:
    return instruments.filter(original_value__gte=settings.OPENNESS_THRESHOLD_CNY)


def instruments_document(*, instruments: QuerySet[Instrument]) -> dict:
    units: dict[str, list] = defaultdict(list)
    names: dict[str, str] = {}
    for instrument in (
        in_scope(instruments).select_related("institution", "region").order_by("institution__code", "inner_id")
    ):
        units[instrument.institution.code].append(instrument_record(instrument))
        names[instrument.institution.code] = instrument.institution.name_zh
    return _document(INSTRUMENT, units, names, None)


def services_document(*, instruments: QuerySet[Instrument], period: Period) -> dict:
    served = (
        Reservation.objects.filter(
            instrument__in=in_scope(instruments), status=Reservation.Status.COMPLETED,
            start__gte=period.start, start__lt=period.end,
        )
        .select_related("instrument__institution", "organization", "requester", "rating", "charge")
        .order_by("instrument__institution__code", "instrument__inner_id", "start", "pk")
    )  # fmt: skip
    units: dict[str, list] = defaultdict(list)
    names: dict[str, str] = {}
    for booking in served:
        institution = booking.instrument.institution
        units[institution.code].append(service_record(booking))
        names[institution.code] = institution.name_zh
    return _document(SERVICE, units, names, period)
