"""Importing NRII-style sheets: check every row, all or nothing, idempotent."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from instruments.models import Instrument
from tests import factories as f

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
BROKEN = SAMPLES / "nrii-instruments-broken.csv"
FIXED = SAMPLES / "nrii-instruments-fixed.csv"


@pytest.fixture
def lab():
    institution = f.OrganizationFactory(code="NJU", name_zh="南京大学", region=f.region("320106"))
    return f.LabFactory(institution=institution, code="ac")


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_instruments", str(path), "--institution", "NJU", *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_refused(path: Path, *extra: str) -> tuple[str, str]:
    """The report printed and the error raised by an import that writes nothing."""
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_instruments", str(path), "--institution", "NJU", *extra, stdout=out)
    return out.getvalue(), str(caught.value)


def test_broken_file_reports_every_problem_by_row_and_imports_nothing(lab):
    report, error = run_refused(BROKEN)
    assert error == "3 rows have problems; nothing was imported."
    assert "Checked 4 rows: 1 valid, 3 with problems." in report
    for line in [
        "Row 3, instrCategory: «0103» is not a six-digit category code",
        "Row 3, worth: «一百五十万» is not an amount in 万元",
        "Row 4, beginDate: «2020-13-05» is not a date",
        "Row 4, shareMode: «半共享» is not one of: 外部共享 / 内部共享 / 不共享.",
        "Row 4, county: «鼓楼区» does not lie in 苏州市.",
        "Row 4, email:",
        "Row 5, cname: This column is required.",
        "Row 5, worth: The value cannot be negative.",
        "Row 5, innerId: Asset number 2019000123 already appears in row 2 of this file.",
    ]:
        assert line in report
    assert Instrument.objects.count() == 0


def test_fixed_file_imports_and_importing_it_again_changes_nothing(lab):
    first = run(FIXED)
    assert "Imported: 4 created, 0 updated, 0 unchanged." in first
    sem = Instrument.objects.get(inner_id="2019000123")
    assert sem.original_value == Decimal("2685000.00")  # 268.5 万元
    assert sem.region.code == "320106" and sem.lab == lab
    assert sem.share_mode == "external" and sem.in_scope
    nmr = Instrument.objects.get(inner_id="2020000789")
    assert (nmr.share_mode, nmr.status, nmr.type) == ("internal", "repair", "special")
    assert str(nmr.in_service_date) == "2020-11-05"
    assert not Instrument.objects.get(inner_id="2021001001").in_scope  # 12.35 万元
    before = {i.pk: i.updated_at for i in Instrument.objects.all()}

    again = run(FIXED)
    assert "Imported: 0 created, 0 updated, 4 unchanged." in again
    assert {i.pk: i.updated_at for i in Instrument.objects.all()} == before


def test_changed_rows_update_in_place(lab, tmp_path):
    run(FIXED)
    changed = tmp_path / "changed.csv"
    changed.write_text(FIXED.read_text(encoding="utf-8").replace("268.5", "270"), encoding="utf-8")
    assert "Imported: 0 created, 1 updated, 3 unchanged." in run(changed)
    assert Instrument.objects.get(inner_id="2019000123").original_value == Decimal("2700000.00")
    assert Instrument.objects.count() == 4


def test_skip_invalid_imports_only_the_valid_rows(lab):
    out = run(BROKEN, "--skip-invalid")
    assert "Imported: 1 created, 0 updated, 0 unchanged." in out
    assert list(Instrument.objects.values_list("inner_id", flat=True)) == ["2019000123"]


def test_xlsx_with_real_dates_and_numbers_imports(lab, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["cname", "innerId", "instrCategory", "worth", "beginDate", "city"])
    sheet.append(["激光共聚焦显微镜", 88001, "010800", 215.75, datetime.datetime(2017, 5, 2), "南京"])
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    assert "1 created" in run(path)
    instrument = Instrument.objects.get()
    assert instrument.inner_id == "88001"
    assert instrument.original_value == Decimal("2157500.00")
    assert str(instrument.in_service_date) == "2017-05-02"
    assert instrument.region.code == "320100"


def test_gb18030_csv_from_chinese_excel_imports(lab, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("cname,innerId,instrCategory,worth\n原子力显微镜,X1,010800,99\n".encode("gb18030"))
    assert "1 created" in run(path)
    assert Instrument.objects.get().name_zh == "原子力显微镜"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "The file is empty."),
        ("sheet.xls", b"\xd0\xcf\x11\xe0", "Only .csv and .xlsx files can be imported"),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx workbook"),
        ("binary.csv", bytes(range(256)) * 4, "neither UTF-8 nor GB18030"),
        ("noheader.csv", b",,,\n1,2,3\n", "The first row must name the columns"),
        ("twice.csv", b"cname,cname\n", "Column cname appears more than once."),
    ],
)
def test_unreadable_files_get_a_clear_error(lab, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(path)
    assert Instrument.objects.count() == 0


def test_unknown_category_is_kept_under_the_nearest_known_class(lab, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("cname,innerId,instrCategory,worth\n色谱仪,C1,010577,50\n", encoding="utf-8")
    text = run(path)
    assert "Row 2, instrCategory (accepted): Category 010577 is not in the classification; it was kept" in text
    assert "under 010500 色谱仪器" in text
    assert Instrument.objects.get(inner_id="C1").category.provisional


def test_rows_choose_their_lab_or_need_one(lab, tmp_path):
    f.LabFactory(institution=lab.institution, code="micro")
    path = tmp_path / "labs.csv"
    path.write_text(
        "cname,innerId,instrCategory,worth,labCode\nA,1,010100,60,micro\nB,2,010100,60,\nC,3,010100,60,nope\n",
        encoding="utf-8",
    )
    text, _ = run_refused(path)
    assert "Row 3, labCode: No lab given" in text
    assert "Row 4, labCode: Lab «nope» does not exist" in text
    assert "Imported: 2 created" in run(path, "--lab", "ac", "--skip-invalid")
    assert Instrument.objects.get(inner_id="1").lab.code == "micro"
    assert Instrument.objects.get(inner_id="2").lab.code == "ac"


def test_unknown_institution_or_lab_is_a_clear_error(lab):
    with pytest.raises(CommandError, match="No institution with code 'XYZ'"):
        call_command("import_instruments", str(FIXED), "--institution", "XYZ")
    with pytest.raises(CommandError, match="No lab 'zz' at NJU"):
        call_command("import_instruments", str(FIXED), "--institution", "NJU", "--lab", "zz")


def test_large_file_shows_a_progress_bar(lab, tmp_path):
    rows = "".join(f"仪器{n},P{n},010100,{50 + n}\n" for n in range(250))
    path = tmp_path / "big.csv"
    path.write_text("cname,innerId,instrCategory,worth\n" + rows, encoding="utf-8")
    err = io.StringIO()
    call_command("import_instruments", str(path), "--institution", "NJU", stdout=io.StringIO(), stderr=err)
    assert "250/250" in err.getvalue()
    assert Instrument.objects.count() == 250


def post_sheet(client, path: Path, **data):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("instruments:import"), {"file": upload, **data}, HTTP_ACCEPT_LANGUAGE="en")


def test_lab_manager_imports_from_the_page(client, lab):
    client.force_login(f.lab_manager(lab))
    response = post_sheet(client, BROKEN)
    assert response.status_code == 200
    assert response.context["report"].invalid_rows == 3
    assert Instrument.objects.count() == 0
    response = post_sheet(client, FIXED)
    assert response.context["report"].created == 4


def test_page_import_cannot_reach_labs_one_does_not_manage(client, lab, tmp_path):
    f.LabFactory(institution=lab.institution, code="micro")
    client.force_login(f.lab_manager(lab))
    path = tmp_path / "other.csv"
    path.write_text("cname,innerId,instrCategory,worth,labCode\nA,1,010100,60,micro\n", encoding="utf-8")
    report = post_sheet(client, path).context["report"]
    assert [p.message for p in report.problems] == ["You do not manage lab «micro»."]
    assert Instrument.objects.count() == 0


@pytest.mark.parametrize("kind", ["member", "regulator", "startup"])
def test_import_page_is_refused_to_those_without_labs(client, lab, kind):
    user = {
        "member": lambda: f.UserFactory(organization=lab.institution),
        "regulator": lambda: f.regulator(),
        "startup": lambda: f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
    }[kind]()
    client.force_login(user)
    assert client.get(reverse("instruments:import")).status_code == 403
    assert post_sheet(client, FIXED).status_code == 403
    assert Instrument.objects.count() == 0
