"""Reading an uploaded CSV or XLSX file into rows of cells, with clear errors for files
that cannot be read at all."""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

Cell = str | datetime.date

FILE_EMPTY = _("The file is empty.")
FILE_KIND = _("Only .csv and .xlsx files can be imported; save the sheet in one of those formats.")
FILE_ENCODING = _("The CSV file is neither UTF-8 nor GB18030 text; save it again as UTF-8 CSV.")
FILE_CSV_BROKEN = _("The CSV file cannot be parsed: %(error)s.")
FILE_XLSX_BROKEN = _("The file is not a readable .xlsx workbook; open it in a spreadsheet program and save it again.")
FILE_NO_HEADER = _("The first row must name the columns (cname, innerId, instrCategory, worth, …).")
FILE_DUPLICATE_COLUMN = _("Column %(column)s appears more than once.")


class ImportFileError(Exception):
    def __init__(self, message, params: dict | None = None):
        self.message = message
        self.params = params or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Cell]]]  # (row number as the spreadsheet shows it, cells by header)


def read_table(data: bytes, filename: str) -> Table:
    if not data:
        raise ImportFileError(FILE_EMPTY)
    name = filename.lower()
    if name.endswith(".csv"):
        grid = _csv_rows(data)
    elif name.endswith(".xlsx"):
        grid = _xlsx_rows(data)
    else:
        raise ImportFileError(FILE_KIND)
    return _to_table(grid)


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(FILE_ENCODING)
    if "\x00" in text:
        raise ImportFileError(FILE_ENCODING)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise ImportFileError(FILE_CSV_BROKEN, {"error": error}) from None


def _xlsx_rows(data: bytes) -> list[list[Cell]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_xlsx_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, ValueError, TypeError, OSError):
        raise ImportFileError(FILE_XLSX_BROKEN) from None


def _xlsx_cell(value) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float):
        # Spreadsheets store 12.5 as a float; print it the way a person typed it.
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return str(value)


def _to_table(grid) -> Table:
    rows = iter(grid)
    header = next(rows, None)
    headers = [str(cell).strip().lstrip("\ufeff") for cell in (header or [])]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ImportFileError(FILE_NO_HEADER)
    seen: set[str] = set()
    for column in headers:
        if column and column in seen:
            raise ImportFileError(FILE_DUPLICATE_COLUMN, {"column": column})
        seen.add(column)
    table = Table(headers=headers, rows=[])
    for number, cells in enumerate(rows, start=2):
        values = {
            column: (cell.strip() if isinstance(cell, str) else cell)
            for column, cell in zip(headers, cells, strict=False)
            if column
        }
        if any(values.values()):
            table.rows.append((number, values))
    return table
