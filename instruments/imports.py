"""Importing NRII-style instrument sheets.

Every row is checked before anything is written. A file with bad rows imports nothing
unless `skip_invalid` is set; the rows that are written go in one transaction, so a
crash half-way leaves the catalog as it was. Rows are matched on the institution and
the asset number (innerId): importing the same file twice changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from instruments import categories, nrii, services
from instruments.import_files import Table
from instruments.import_rows import DUPLICATE_ROW, ParsedRow, Problem, RowContext, parse_row
from instruments.models import Instrument, Lab
from instruments.permissions import managed_labs


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # accepted, to be reviewed
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems})

    def lines(self, *, skip_invalid: bool) -> list[str]:
        """The report as a person reads it, one line each."""
        out = [
            _("Checked %(rows)d rows: %(valid)d valid, %(invalid)d with problems.")
            % {"rows": self.rows, "valid": self.rows - self.invalid_rows, "invalid": self.invalid_rows}
        ]
        if self.ignored_columns:
            out.append(_("Ignored columns: %(columns)s") % {"columns": ", ".join(self.ignored_columns)})
        out += [_("Row %(row)d, %(column)s: %(message)s") % vars(p) for p in self.problems]
        out += [_("Row %(row)d, %(column)s (accepted): %(message)s") % vars(p) for p in self.notes]
        if self.applied:
            out.append(_("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % vars(self))
        elif self.problems and not skip_invalid:
            out.append(_("Nothing was imported. Fix the rows above, or import only the valid rows."))
        return out


def import_instruments(
    *,
    institution: Organization,
    table: Table,
    lab: Lab | None = None,
    by: User | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    if by is not None and not managed_labs(by).filter(institution=institution).exists():
        raise PermissionDenied(services.EDIT_DENIED)
    known = set(nrii.FIELDS) | set(nrii.REGION_FIELDS) | set(nrii.EXTRA_FIELDS)
    report = ImportReport(rows=len(table.rows), ignored_columns=[c for c in table.headers if c and c not in known])

    labs = list(institution.labs.all())
    default_lab = lab or (labs[0] if len(labs) == 1 else None)
    allowed = None if by is None else set(managed_labs(by).values_list("pk", flat=True))
    ctx = RowContext.load(institution=institution, default_lab=default_lab, allowed_lab_ids=allowed)

    parsed: list[ParsedRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        row, problems = parse_row(number, cells, ctx)
        inner_id = str(cells.get("innerId") or "").strip()
        if inner_id in first_row_of:
            problems.append(
                Problem(number, "innerId", DUPLICATE_ROW % {"value": inner_id, "row": first_row_of[inner_id]})
            )
            row = None
        elif inner_id:
            first_row_of[inner_id] = number
        report.problems += problems
        if row is not None:
            parsed.append(row)
            report.notes += row.notes
        if progress:
            progress(1)

    if report.problems and not skip_invalid:
        return report
    _apply(institution, parsed, by, report)
    return report


def _apply(institution: Organization, rows: list[ParsedRow], by: User | None, report: ImportReport) -> None:
    # One transaction for the whole file: the import happens completely or not at all.
    with transaction.atomic():
        existing = {i.inner_id: i for i in Instrument.objects.filter(institution=institution).select_related("lab")}
        for row in rows:
            if "category" in row.fields:
                row.fields["category"] = categories.save_provisional(row.fields["category"])
            instrument = existing.get(row.fields["inner_id"])
            try:
                if instrument is None:
                    existing[row.fields["inner_id"]] = services.instrument_create(lab=row.lab, by=by, **row.fields)
                    report.created += 1
                elif services.instrument_changed_fields(instrument, row.fields) or instrument.lab_id != row.lab.pk:
                    services.instrument_update(instrument=instrument, by=by, lab=row.lab, **row.fields)
                    report.updated += 1
                else:
                    report.unchanged += 1
            except ValidationError as error:
                # Checked before, so only a concurrent change lands here: report it like any bad row.
                for name, messages in error.message_dict.items():
                    report.problems.append(Problem(row.row, name, " ".join(messages)))
                transaction.set_rollback(True)
                report.created = report.updated = report.unchanged = 0
                return
    report.applied = True
