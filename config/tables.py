"""A table as plain data: a page shows it, and the same object is written as CSV or XLSX
(config.exports), so that a download holds exactly the numbers on the page. Any app builds
its tables from these; how a cell looks is decided where it is shown or written."""

from dataclasses import dataclass, field
from typing import Any

# What a column holds; the kind decides how a cell is shown and written.
KINDS = ("text", "int", "hours", "rate", "number", "signed", "money", "date", "datetime", "bool")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    kind: str = "text"


@dataclass
class Table:
    key: str  # the name of its download: ?download=<key>.csv
    title: Any
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    link: str | None = None  # the column whose cell links to row["url"]
    note: Any = ""
    total: int | None = None  # rows before a page cut them short (the download has all)

    def cells(self, row: dict) -> list[tuple[Column, Any]]:
        return [(column, row.get(column.key)) for column in self.columns]
