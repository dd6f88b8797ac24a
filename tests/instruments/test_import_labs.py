"""import_labs: labs of imported organizations, all or nothing, idempotent."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from instruments.models import Lab
from tests import factories as f

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEADER = "institution,code,name_zh,name_en\n"


@pytest.fixture
def organizations():
    call_command("import_organizations", str(SAMPLES / "organizations.csv"), stdout=io.StringIO())


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_labs", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_imports_and_importing_it_again_changes_nothing(organizations):
    assert "Read 3 rows: 3 imported, 0 skipped as already present, 0 rejected." in run(SAMPLES / "labs.csv")
    lab = Lab.objects.get(institution__code="NJU", code="ac")
    assert (lab.name_zh, lab.name_en) == ("分析测试中心", "Analysis and Testing Center")
    assert "Read 3 rows: 0 imported, 3 skipped as already present, 0 rejected." in run(SAMPLES / "labs.csv")
    assert Lab.objects.count() == 3


def test_the_same_lab_code_at_two_institutions_is_two_labs(organizations, tmp_path):
    run(write(tmp_path, HEADER + "NJU,ac,分析测试中心,\nSIMIT,ac,分析测试中心,\n"))
    assert Lab.objects.filter(code="ac").count() == 2


def test_bad_lines_are_named_with_their_reason_and_nothing_is_imported(organizations, tmp_path):
    path = write(tmp_path, HEADER + "\n".join([
        "NJU,ac,分析测试中心,",
        "XYZ,ac,无名,",
        "JSKJT,office,监管处,",
        "NJU,,无码,",
        "NJU,ac,重复,",
    ]) + "\n")  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"4 rejected; nothing was imported\."):
        call_command("import_labs", str(path), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    for line in [
        "Line 3, institution: No organization has the code «XYZ»; import the organizations first.",
        "Line 4, institution: Only universities, research institutes and enterprises own labs.",
        "Line 5, code: This column is required.",
        "Line 6: NJU/ac already appears in line 2 of this file.",
    ]:
        assert line in report
    assert not Lab.objects.exists()


def test_skip_invalid_imports_the_valid_lines(organizations, tmp_path):
    report = run(write(tmp_path, HEADER + "NJU,ac,分析测试中心,\nXYZ,ac,无名,\n"), "--skip-invalid")
    assert "Read 2 rows: 1 imported, 0 skipped as already present, 1 rejected." in report
    assert Lab.objects.get().institution.code == "NJU"


def test_existing_labs_are_skipped_not_changed(tmp_path):
    lab = f.LabFactory(institution=f.OrganizationFactory(code="NJU"), code="ac", name_zh="旧名")
    assert "0 imported, 1 skipped" in run(write(tmp_path, HEADER + "NJU,ac,新名,\n"))
    lab.refresh_from_db()
    assert lab.name_zh == "旧名"
