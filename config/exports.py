"""Downloads of any app's tables (config.tables): CSV and XLSX of exactly the rows a page
shows (all of them, where a page shows only the first few hundred).

Numbers are written as stored: hours and money with 2 decimals, rates as fractions 0–1
(XLSX shows them as percentages), times in Asia/Shanghai.
"""

import csv
import datetime as dt
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from config.tables import Column, Table

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_NUMBER_FORMATS = {
    "hours": "#,##0.00", "rate": "0.00%", "int": "0", "number": "0.00##", "signed": "+0.00;-0.00;0.00",
    "money": "#,##0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss",
}  # fmt: skip
NUMBER_KINDS = ("hours", "rate", "int", "number", "signed", "money", "date")
# A cell starting with one of these is a formula to a spreadsheet: names typed by users
# (institutions, labs, instruments) are written with a leading apostrophe instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def value(column: Column, raw):
    """A cell as stored: numbers stay numbers, times become local and naive."""
    if raw is None:
        return None
    if column.kind == "datetime":
        return timezone.localtime(raw).replace(tzinfo=None, microsecond=0)
    if column.kind == "bool":
        return _("yes") if raw else _("no")
    if column.kind in NUMBER_KINDS:
        return raw
    text = str(raw)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header(column: Column) -> str:
    label = str(column.label)
    if column.kind == "rate":
        return f"{label} (0–1)"
    if column.kind == "hours":
        return f"{label} (h)"
    return label


def _csv_cell(cell):
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.isoformat(" ")
    return cell.isoformat() if isinstance(cell, dt.date) else cell


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(value(c, v)) for c, v in table.cells(row)])
    # With a byte-order mark, Excel (set to Chinese or not) reads the file as UTF-8.
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(table: Table, about: list[tuple[str, str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(str(table.title)))
    bold = Font(bold=True)
    heads = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=header(column))
        cell.font = bold
        heads.append(cell)
    sheet.append(heads)
    for row in table.rows:
        cells = []
        for column, raw in table.cells(row):
            cell = WriteOnlyCell(sheet, value=value(column, raw))
            if column.kind in XLSX_NUMBER_FORMATS:
                cell.number_format = XLSX_NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    notes = book.create_sheet(_("About"))
    for key, text in about:
        notes.append([key, text])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet"


def table_response(table: Table, fmt: str, filename: str, about: list[tuple[str, str]]) -> HttpResponse:
    content = csv_bytes(table) if fmt == "csv" else xlsx_bytes(table, about)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
