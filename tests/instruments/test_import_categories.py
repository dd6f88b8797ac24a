"""Category codes of real NRII sheets: the three-level classification, codes missing from
it kept and flagged, malformed codes refused with a reason."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from instruments.models import Category, Instrument
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = (
    "cname,ename,innerId,instrCategory,worth,manufacturer,instrVersion,nation,beginDate,"
    "province,city,county,address,contact,phone,email,shareMode,status,type\n"
)
# One row as a university's asset office exports it for the national platform.
SEM_ROW = (
    "场发射扫描电子显微镜,Field emission scanning electron microscope,2021003456,010102,"
    "386.2,Carl Zeiss,GeminiSEM 500,德国,2021-09-15,江苏省,南京市,鼓楼区,"
    "汉口路22号 现代分析中心 104 室,王老师,025-83593001,sem-ac@nju.edu.cn,外部共享,正常,通用\n"
)


@pytest.fixture
def lab():
    institution = f.OrganizationFactory(code="NJU", name_zh="南京大学", region=f.region("320106"))
    return f.LabFactory(institution=institution, code="ac")


def sheet(tmp_path, body: str, header: str = "cname,innerId,instrCategory,worth\n") -> Path:
    path = tmp_path / "sheet.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def run(path: Path) -> str:
    out = io.StringIO()
    call_command("import_instruments", str(path), "--institution", "NJU", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path: Path) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_instruments", str(path), "--institution", "NJU", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_classification_has_three_levels_under_every_class():
    codes = set(Category.objects.values_list("code", flat=True))
    tops = {c for c in codes if c.endswith("0000")}
    assert len(tops) == 15
    for top in tops - {"990000"}:
        assert any(c[:2] == top[:2] and not c.endswith("00") for c in codes), top
    for code in codes:
        assert code.endswith("0000") or (code[:2] + "0000" in codes and code[:4] + "00" in codes), code
    item = Category.objects.get(code="010102")
    assert (item.level, item.name_zh, item.name_en) == (3, "扫描电子显微镜", "Scanning electron microscopes")
    assert not Category.objects.filter(provisional=True).exists()


def test_a_real_sheet_row_with_a_full_three_level_code_imports(lab, tmp_path):
    text = run(sheet(tmp_path, SEM_ROW, HEADER))
    assert "Imported: 1 created, 0 updated, 0 unchanged." in text
    assert "(accepted)" not in text
    sem = Instrument.objects.get(inner_id="2021003456")
    assert sem.category_id == "010102" and not sem.category.provisional
    assert (sem.region_id, sem.original_value, sem.model) == ("320106", 3862000, "GeminiSEM 500")


def test_a_code_whose_leading_zero_a_spreadsheet_dropped_is_read_as_six_digits(lab, tmp_path):
    workbook = Workbook()
    workbook.active.append(["cname", "innerId", "instrCategory", "worth"])
    workbook.active.append(["核磁共振波谱仪", "N1", 10601, 420])  # a number cell: 010601
    path = tmp_path / "sheet.xlsx"
    workbook.save(path)
    run(path)
    assert Instrument.objects.get(inner_id="N1").category_id == "010601"


def test_a_well_formed_code_with_an_unknown_item_is_accepted_and_flagged(lab, tmp_path):
    path = sheet(tmp_path, "扫描电镜,S1,010177,260\n冷冻电镜,S2,010177,2600\n")
    text = run(path)
    assert "Imported: 2 created" in text
    assert (
        "Row 2, instrCategory (accepted): Category 010177 is not in the classification; it was kept under "
        "010100 电子光学仪器 and flagged for the catalog managers to review." in text
    )
    flagged = Category.objects.get(code="010177")
    assert flagged.provisional and flagged.name_zh == "电子光学仪器（未列明：010177）"
    assert set(flagged.instruments.values_list("inner_id", flat=True)) == {"S1", "S2"}

    again = run(path)
    assert "0 created, 0 updated, 2 unchanged" in again and "(accepted)" in again
    assert Category.objects.filter(provisional=True).count() == 1


def test_an_unknown_subclass_of_a_known_class_is_accepted_and_flagged(lab, tmp_path):
    text = run(sheet(tmp_path, "仪器,U1,011901,80\n"))
    assert "it was kept under 010000 分析仪器" in text
    assert Instrument.objects.get(inner_id="U1").category.provisional


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("0103", "«0103» is not a six-digit category code such as 010500."),
        ("01-01-02", "«01-01-02» is not a six-digit category code such as 010500."),
        ("010001", "«010001» is not a valid category code: an item (last two digits) needs a subclass"),
        ("160101", "Category 160101 does not belong to any of the 15 top classes."),
        ("000000", "Category 000000 does not belong to any of the 15 top classes."),
    ],
)
def test_a_malformed_code_is_refused_with_its_reason(lab, tmp_path, code, reason):
    text = refused(sheet(tmp_path, f"仪器,M1,{code},80\n"))
    assert f"Row 2, instrCategory: {reason}" in text
    assert not Instrument.objects.exists()
    assert not Category.objects.filter(provisional=True).exists()


def test_catalog_managers_find_flagged_categories_in_the_admin(client, lab, tmp_path):
    run(sheet(tmp_path, "扫描电镜,S1,010177,260\n"))
    client.force_login(f.platform_admin())
    page = client.get(reverse("admin:instruments_category_changelist"), {"provisional__exact": "1"})
    assert "010177" in page.content.decode() and "010102" not in page.content.decode()
    client.post(
        reverse("admin:instruments_category_changelist"),
        {"action": "mark_reviewed", "_selected_action": ["010177"]},
    )
    assert not Category.objects.get(code="010177").provisional


def test_lab_managers_see_flagged_codes_on_the_import_page(client, lab, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(f.lab_manager(lab))
    upload = SimpleUploadedFile("s.csv", "cname,innerId,instrCategory,worth\n扫描电镜,S1,010177,260\n".encode())
    page = client.post(reverse("instruments:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Accepted, to be reviewed" in page.content.decode()
    assert page.context["report"].created == 1
