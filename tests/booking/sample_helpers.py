"""Sample orders for tests: results files of every kind (real and fake), and the people
around one order."""

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Organization
from booking import samples
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
CSV = "样品,结果\nS1,石英 98%\nS2,方解石 2%\n".encode()


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, fmt)
    return out.getvalue()


def archive(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return out.getvalue()


def xlsx() -> bytes:
    return archive(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"])


def upload(name: str = "结果报告.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def startup_user(**kwargs):
    return f.UserFactory(organization=f.OrganizationFactory(kind=Organization.Kind.ENTERPRISE), **kwargs)


def order(instrument=None, requester=None, samples_: int = 3, **kwargs):
    """A pending order made through the service, on a bookable instrument."""
    instrument = instrument or f.bookable()
    return samples.sample_order_create(
        requester=requester or startup_user(), instrument=instrument, samples=samples_,
        description=kwargs.pop("description", "粉末样品 XRD 物相分析"), **kwargs,
    )  # fmt: skip


def accepted(instrument=None, requester=None):
    made = order(instrument, requester)
    return samples.sample_order_accept(order=made, by=manager_of(made))


def completed(instrument=None, requester=None):
    made = accepted(instrument, requester)
    return samples.sample_order_complete(order=made, by=manager_of(made), results_file=upload(), note="见附件")


def manager_of(made):
    lab = made.instrument.lab
    return lab.managers.first() or f.lab_manager(lab)


def person(who: str, made):
    """Everyone who may knock on an order's door."""
    return {
        "anonymous": lambda: None,
        "stranger": lambda: f.UserFactory(),
        "colleague": lambda: f.UserFactory(organization=made.organization),
        "other lab manager": lambda: f.lab_manager(),
        "regulator": lambda: f.regulator("320000"),
        "requester": lambda: made.requester,
        "manager": lambda: manager_of(made),
        "org admin": lambda: f.org_admin(made.organization),
        "institution admin": lambda: f.org_admin(made.instrument.institution),
    }[who]()
