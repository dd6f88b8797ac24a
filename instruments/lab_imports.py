"""Importing labs: `institution,code,name_zh,name_en`, one lab a line.

A lab is identified by its institution's code and its own code: a line naming a lab that
exists already is skipped, never changed, so that importing the same file again changes
nothing. Instruments then come in with import_instruments."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts.imports import ImportReport, RowRejected, csv_rows, rows_import
from accounts.models import Organization
from instruments import services
from instruments.models import Lab

COLUMNS = ("institution", "code", "name_zh", "name_en")
REQUIRED = _("This column is required.")
UNKNOWN_INSTITUTION = _("No organization has the code «%(value)s»; import the organizations first.")


def lab_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return csv_rows(data, COLUMNS)


def labs_import(
    *, rows: list[tuple[int, dict[str, str]]], skip_invalid: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    institutions = {
        o.code: o for o in Organization.objects.filter(code__in={cells["institution"] for _, cells in rows})
    }

    def apply(cells: dict[str, str]) -> bool:
        for column in ("institution", "code", "name_zh"):
            if not cells[column]:
                raise RowRejected(REQUIRED, column=column)
        institution = institutions.get(cells["institution"])
        if institution is None:
            raise RowRejected(UNKNOWN_INSTITUTION % {"value": cells["institution"]}, column="institution")
        if Lab.objects.filter(institution=institution, code=cells["code"]).exists():
            return False
        services.lab_create(institution=institution, code=cells["code"], name_zh=cells["name_zh"],
                            name_en=cells["name_en"], by=None)  # fmt: skip
        return True

    return rows_import(
        rows=rows,
        apply=apply,
        key=lambda cells: f"{cells['institution']}/{cells['code']}" if cells["code"] else "",
        skip_invalid=skip_invalid,
        progress=progress,
    )
