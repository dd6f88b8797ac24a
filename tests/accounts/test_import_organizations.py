"""import_organizations: every line checked, all or nothing, idempotent."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organization

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "organizations.csv"
HEADER = "code,name_zh,name_en,kind,region\n"


def run(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_organizations", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(path: Path, *extra: str) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_organizations", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue(), str(caught.value)


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "organizations.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_imports_and_importing_it_again_changes_nothing():
    first = run(SAMPLE)
    assert "Read 4 rows: 4 imported, 0 skipped as already present, 0 rejected." in first
    nju = Organization.objects.get(code="NJU")
    assert (nju.name_zh, nju.name_en, nju.kind, nju.region_id) == (
        "南京大学",
        "Nanjing University",
        "university",
        "320106",
    )
    assert Organization.objects.get(code="JSKJT").kind == "regulator"
    created = dict(Organization.objects.values_list("code", "created_at"))

    again = run(SAMPLE)
    assert "Read 4 rows: 0 imported, 4 skipped as already present, 0 rejected." in again
    assert dict(Organization.objects.values_list("code", "created_at")) == created


def test_bad_lines_are_named_with_their_reason_and_nothing_is_imported(tmp_path):
    path = write(tmp_path, HEADER + "\n".join([
        "A1,甲大学,,university,320106",
        "B2,乙公司,,company,320106",
        "C3,丙所,,institute,3201",
        "D4,丁所,,institute,999999",
        "E5,,,institute,320106",
        "A1,甲大学again,,university,320106",
        "bad code!,戊,,university,320106",
    ]) + "\n")  # fmt: skip
    report, error = refused(path)
    assert error == "6 rejected; nothing was imported."
    for line in [
        "Line 3, kind: «company» is not one of: university | institute | enterprise | regulator.",
        "Line 4, region: «3201» is not a six-digit administrative division code such as 320102.",
        "Line 5, region: Region 999999 is not in the division table.",
        "Line 6, name_zh: This column is required.",
        "Line 7: A1 already appears in line 2 of this file.",
        "Line 8, code: ",
    ]:
        assert line in report
    assert "Nothing was imported" in report
    assert not Organization.objects.exists()


def test_skip_invalid_imports_the_valid_lines(tmp_path):
    path = write(tmp_path, HEADER + "A1,甲大学,,university,320106\nB2,乙公司,,company,320106\n")
    report = run(path, "--skip-invalid")
    assert "Line 3, kind:" in report
    assert "Read 2 rows: 1 imported, 0 skipped as already present, 1 rejected." in report
    assert list(Organization.objects.values_list("code", flat=True)) == ["A1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"code,name,kind\nA,B,university\n", "The first line must name the columns code,name_zh,name_en,kind,region"),
    ],
)
def test_unreadable_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_organizations", str(path), stdout=io.StringIO())


def test_gb18030_file_from_chinese_excel_imports(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "A1,甲大学,,university,320106\n").encode("gb18030"))
    run(path)
    assert Organization.objects.get(code="A1").name_zh == "甲大学"


def test_large_file_shows_a_progress_bar(tmp_path):
    path = write(tmp_path, HEADER + "".join(f"o{n},机构{n},,enterprise,320106\n" for n in range(250)))
    err = io.StringIO()
    call_command("import_organizations", str(path), stdout=io.StringIO(), stderr=err)
    assert "250/250" in err.getvalue()
    assert Organization.objects.count() == 250
