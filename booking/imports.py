"""Importing booking history: `ref,instrument,organization,start,end,status,purpose`.

`ref` identifies a booking across imports: a line whose ref was imported before is
skipped, so importing the same file again changes nothing. History names organizations,
not people, so each organization's bookings get one stand-in requester that cannot log
in (accounts.services.imported_requester_get)."""

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts.imports import ImportReport, RowRejected, csv_rows, rows_import
from accounts.models import Organization
from accounts.services import imported_requester_get
from booking import services
from instruments.models import Instrument

COLUMNS = ("ref", "instrument", "organization", "start", "end", "status", "purpose")
REQUIRED = _("This column is required.")
REF_TOO_LONG = _("A reference has at most 64 characters.")
UNKNOWN_INSTRUMENT = _("No instrument has the code «%(value)s».")
UNKNOWN_ORGANIZATION = _("No organization has the code «%(value)s»; import the organizations first.")
BAD_TIME = _("«%(value)s» is not an ISO 8601 time with an offset, such as 2025-03-04T09:00:00+08:00.")


def booking_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return csv_rows(data, COLUMNS)


def parse_time(text: str, column: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise RowRejected(BAD_TIME % {"value": text}, column=column) from None
    if moment.tzinfo is None:  # a time without offset means different instants in different places
        raise RowRejected(BAD_TIME % {"value": text}, column=column)
    return moment.astimezone(dt.UTC)


def bookings_import(
    *, rows: list[tuple[int, dict[str, str]]], skip_invalid: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    instruments = {i.code: i for i in Instrument.objects.filter(code__in={c["instrument"] for _, c in rows})}
    organizations = {o.code: o for o in Organization.objects.filter(code__in={c["organization"] for _, c in rows})}

    def apply(cells: dict[str, str]) -> bool:
        for column in ("ref", "instrument", "organization", "start", "end", "status"):
            if not cells[column]:
                raise RowRejected(REQUIRED, column=column)
        if len(cells["ref"]) > 64:
            raise RowRejected(REF_TOO_LONG, column="ref")
        instrument = instruments.get(cells["instrument"])
        if instrument is None:
            raise RowRejected(UNKNOWN_INSTRUMENT % {"value": cells["instrument"]}, column="instrument")
        organization = organizations.get(cells["organization"])
        if organization is None:
            raise RowRejected(UNKNOWN_ORGANIZATION % {"value": cells["organization"]}, column="organization")
        start, end = parse_time(cells["start"], "start"), parse_time(cells["end"], "end")
        if cells["status"] not in services.IMPORT_STATUSES:
            raise RowRejected(services.IMPORT_BAD_STATUS % {"value": cells["status"]}, column="status")
        # Not cached across lines: a rejected line rolls back a stand-in it made.
        requester = imported_requester_get(organization=organization)
        try:
            _reservation, created = services.reservation_import(
                ref=cells["ref"], instrument=instrument, requester=requester, start=start, end=end,
                status=cells["status"], purpose=cells["purpose"],
            )  # fmt: skip
        except services.BookingConflict as conflict:
            raise RowRejected(conflict.message) from None
        return created

    return rows_import(rows=rows, apply=apply, key=lambda c: c["ref"], skip_invalid=skip_invalid, progress=progress)
