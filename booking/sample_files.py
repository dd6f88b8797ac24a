"""Checking the results file a lab uploads for a sample order.

A file is accepted only when its content is one of the allowed kinds (PDF, XLSX, CSV, ZIP,
PNG, JPEG) and its name says the same kind: a program renamed «report.pdf» is refused.
The name alone proves nothing; the first bytes (and, for ZIP and XLSX, the archive's
directory) do.
"""

import codecs
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

RESULTS_REQUIRED = _("Upload the results file.")
RESULTS_EMPTY = _("The file is empty.")
RESULTS_TOO_LARGE = _("The file is %(size)s; a results file may be at most %(limit)s.")
RESULTS_WRONG_TYPE = _("«%(name)s» is not an accepted kind of file; upload PDF, Excel (.xlsx), CSV, ZIP, PNG or JPEG.")
RESULTS_NOT_WHAT_IT_SAYS = _(
    "«%(name)s» is not really a %(kind)s file; upload the file itself, not a renamed one of another kind."
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
KIND_OF_EXTENSION = {
    ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv", ".zip": "zip", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg",
}  # fmt: skip
KIND_LABELS = {"pdf": "PDF", "xlsx": "Excel (.xlsx)", "csv": "CSV", "zip": "ZIP", "png": "PNG", "jpeg": "JPEG"}
HEAD_BYTES = 64 * 1024  # how much of a CSV is read to tell text from binary
CONTROL_CHARACTERS = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f"}


@dataclass(frozen=True)
class ResultsFile:
    upload: File  # the checked file, rewound
    name: str  # a safe file name with the extension of its kind
    kind: str


def results_clean(upload) -> ResultsFile:
    """Check an uploaded results file; raise ValidationError({"results": …}) saying why not."""
    if upload is None:
        raise ValidationError({"results": RESULTS_REQUIRED})
    name = os.path.basename(getattr(upload, "name", "") or "results")
    if not isinstance(upload, File):
        upload = File(upload, name=name)
    limit = settings.SAMPLE_RESULTS_MAX_BYTES
    size = _size(upload)
    if size == 0:
        raise ValidationError({"results": RESULTS_EMPTY})
    if size > limit:
        raise ValidationError({"results": ValidationError(
            RESULTS_TOO_LARGE, params={"size": filesizeformat(size), "limit": filesizeformat(limit)})})  # fmt: skip
    stem, extension = os.path.splitext(name)
    claimed = KIND_OF_EXTENSION.get(extension.lower())
    if claimed is None:
        raise ValidationError({"results": ValidationError(RESULTS_WRONG_TYPE, params={"name": name})})
    found = sniff(upload)
    # An .xlsx workbook is a ZIP archive too: a workbook sent as .zip is still a ZIP.
    if found != claimed and not (claimed == "zip" and found == "xlsx"):
        raise ValidationError(
            {"results": ValidationError(RESULTS_NOT_WHAT_IT_SAYS, params={"name": name, "kind": KIND_LABELS[claimed]})}
        )
    upload.seek(0)
    safe = get_valid_filename(stem)[:60] or "results"
    return ResultsFile(upload=upload, name=f"{safe}{extension.lower()}", kind=claimed)


def sniff(upload) -> str | None:
    """The kind of file the content is, whatever its name says; None if none allowed."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _archive_kind(upload)
    return "csv" if _is_text(head) else None


def _archive_kind(upload) -> str | None:
    upload.seek(0)
    try:
        # Reads only the archive's directory: nothing is decompressed.
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    return "xlsx" if {"[Content_Types].xml", "xl/workbook.xml"} <= names else "zip"


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # Spreadsheets saved in China are often GB18030 rather than UTF-8. The head may end
    # inside a character when the file goes on: decode it as a stream that continues.
    complete = len(head) < HEAD_BYTES
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return not (CONTROL_CHARACTERS & set(text))
    return False


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    return size


def display_name(stored: str) -> str:
    """The name a results file was uploaded as, without the random prefix it is stored under."""
    base = os.path.basename(stored)
    return base.split("-", 1)[1] if "-" in base else base


def content_type(stored: str) -> str:
    kind = KIND_OF_EXTENSION.get(os.path.splitext(stored)[1].lower())
    return CONTENT_TYPES.get(kind or "", "application/octet-stream")
