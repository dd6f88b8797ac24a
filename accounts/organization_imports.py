"""Importing organizations: `code,name_zh,name_en,kind,region`, one organization a line.

An organization is identified by its code: a line whose code is registered already is
skipped, never changed (names and regions are edited in the admin), so that importing
the same file again changes nothing."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.imports import ImportReport, RowRejected, csv_rows, rows_import
from accounts.models import Organization, Region

COLUMNS = ("code", "name_zh", "name_en", "kind", "region")
REQUIRED = _("This column is required.")
BAD_KIND = _("«%(value)s» is not one of: %(choices)s.")
BAD_REGION = _("«%(value)s» is not a six-digit administrative division code such as 320102.")
UNKNOWN_REGION = _("Region %(value)s is not in the division table.")


def organization_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return csv_rows(data, COLUMNS)


def organizations_import(
    *, rows: list[tuple[int, dict[str, str]]], skip_invalid: bool = False, progress: Callable[[int], None] | None = None
) -> ImportReport:
    regions = {region.code: region for region in Region.objects.all()}

    def apply(cells: dict[str, str]) -> bool:
        for column in ("code", "name_zh", "kind", "region"):
            if not cells[column]:
                raise RowRejected(REQUIRED, column=column)
        if cells["kind"] not in Organization.Kind.values:
            raise RowRejected(BAD_KIND % {"value": cells["kind"], "choices": " | ".join(Organization.Kind.values)},
                              column="kind")  # fmt: skip
        if not (len(cells["region"]) == 6 and cells["region"].isdigit()):
            raise RowRejected(BAD_REGION % {"value": cells["region"]}, column="region")
        region = regions.get(cells["region"])
        if region is None:
            raise RowRejected(UNKNOWN_REGION % {"value": cells["region"]}, column="region")
        if Organization.objects.filter(code=cells["code"]).exists():
            return False
        services.organization_create(
            code=cells["code"], name_zh=cells["name_zh"], name_en=cells["name_en"], kind=cells["kind"], region=region
        )
        return True

    return rows_import(
        rows=rows, apply=apply, key=lambda cells: cells["code"], skip_invalid=skip_invalid, progress=progress
    )
