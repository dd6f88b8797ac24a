from accounts.management.import_command import ImportCommand
from booking.imports import booking_rows, bookings_import


class Command(ImportCommand):
    help = (
        "Import booking history from a CSV file with columns ref,instrument,organization,start,end,status,purpose "
        "(status: approved, completed, cancelled or no_show; times ISO 8601 with offset)."
    )

    def rows(self, data: bytes) -> list:
        return booking_rows(data)

    def run(self, *, rows, skip_invalid, progress):
        return bookings_import(rows=rows, skip_invalid=skip_invalid, progress=progress)
