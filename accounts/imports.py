"""What every onboarding import shares: reading a CSV with fixed columns, and the report
of rows imported, skipped as already present, and rejected with their line and reason.

It lives here, at the bottom of the layering, because organizations are imported here
and labs, bookings and events above; each import brings only its own row rules.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FILE_EMPTY = gettext_lazy("The file is empty.")
FILE_ENCODING = gettext_lazy("The file is neither UTF-8 nor GB18030 text; save it again as UTF-8.")
FILE_CSV_BROKEN = gettext_lazy("The CSV file cannot be parsed: %(error)s.")
FILE_COLUMNS = gettext_lazy("The first line must name the columns %(expected)s; it names %(found)s.")
DUPLICATE_KEY = gettext_lazy("%(key)s already appears in line %(line)d of this file.")


class ImportFileError(Exception):
    """The file cannot be read at all; no line of it was looked at."""


class RowRejected(Exception):
    """One line is unusable; `column` names the cell at fault ("" for the line as a whole)."""

    def __init__(self, message: str, *, column: str = ""):
        self.message, self.column = str(message), column
        super().__init__(self.message)


@dataclass(frozen=True)
class Rejection:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    """Counts are of rows (lines), or of events for the events import."""

    unit: str = field(default_factory=lambda: gettext_lazy("rows"))
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    applied: bool = False

    def reject(self, line: int, message: str, column: str = "") -> None:
        self.rejections.append(Rejection(line, column, str(message)))

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def lines(self) -> list[str]:
        """The report as a person reads it, one line each."""
        out = []
        for r in self.rejections:
            where = _("Line %(line)d, %(column)s") if r.column else _("Line %(line)d")
            out.append(f"{where % {'line': r.line, 'column': r.column}}: {r.message}")
        figures = {"read": self.read, "unit": self.unit, "imported": self.imported, "skipped": self.skipped,
                   "rejected": self.rejected}  # fmt: skip
        if self.applied:
            out.append(
                _(
                    "Read %(read)d %(unit)s: %(imported)d imported, %(skipped)d skipped as already present, "
                    "%(rejected)d rejected."
                )
                % figures
            )
        else:
            out.append(
                _(
                    "Read %(read)d %(unit)s: %(rejected)d rejected. Nothing was imported; fix the lines above, "
                    "or import only the valid ones with --skip-invalid."
                )
                % figures
            )
        return out


def csv_decode(data: bytes) -> str:
    if not data:
        raise ImportFileError(FILE_EMPTY)
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is what Chinese Excel saves
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(FILE_ENCODING)
    if "\x00" in text:
        raise ImportFileError(FILE_ENCODING)
    return text


def csv_rows(data: bytes, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number as a spreadsheet shows it, cells by column) for every non-empty line;
    the header must name exactly `columns`, in any order."""
    reader = csv.reader(io.StringIO(csv_decode(data), newline=""), strict=True)
    try:
        grid = list(reader)
    except csv.Error as error:
        raise ImportFileError(FILE_CSV_BROKEN % {"error": error}) from None
    header = [cell.strip() for cell in (grid[0] if grid else [])]
    while header and not header[-1]:
        header.pop()
    if sorted(header) != sorted(columns):
        raise ImportFileError(FILE_COLUMNS % {"expected": ",".join(columns), "found": ",".join(header) or "—"})
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        if any(values.values()):
            rows.append((number, {name: values.get(name, "") for name in columns}))
    return rows


def rows_import(
    *,
    rows: list[tuple[int, Any]],
    apply: Callable[[Any], bool],
    key: Callable[[Any], str] | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import each row by `apply(row)` — True when it wrote the row, False when the row was
    already present; RowRejected (or a Django ValidationError) when it is unusable.

    All rows go in one transaction, each under a savepoint, so that every row is checked
    against the database as the rows before it left it; if any row is rejected and not
    `skip_invalid`, the whole transaction is rolled back and nothing is imported."""
    report = report or ImportReport()
    report.read += len(rows)
    first_line: dict[str, int] = {}
    with transaction.atomic():
        for line, row in rows:
            try:
                name = key(row) if key is not None else ""
                if name:  # a missing key is the row's own problem, reported by `apply`
                    if name in first_line:
                        raise RowRejected(DUPLICATE_KEY % {"key": name, "line": first_line[name]})
                    first_line[name] = line
                with transaction.atomic():
                    if apply(row):
                        report.imported += 1
                    else:
                        report.skipped += 1
            except RowRejected as rejected:
                report.reject(line, rejected.message, rejected.column)
            except ValidationError as error:
                for column, message in validation_messages(error):
                    report.reject(line, message, column)
            if progress:
                progress(1)
        report.applied = not report.rejections or skip_invalid
        if not report.applied:
            transaction.set_rollback(True)
            report.imported = report.skipped = 0
    return report


def validation_messages(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(field, message) pairs of a Django ValidationError, "" for errors of the whole."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            yield ("" if name == "__all__" else name), " ".join(messages)
    else:
        yield "", " ".join(error.messages)
