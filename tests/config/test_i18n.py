"""Every page in Simplified Chinese and English, and every string translated."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_catalog_has_no_untranslated_or_fuzzy_strings():
    catalog = polib.pofile(str(PO))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []


def test_compiled_catalog_matches_the_source():
    source = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0)) for e in polib.pofile(str(PO))}
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(MO))}
    assert compiled == source, "run `make messages` to recompile locale/zh_Hans"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (installed by make test)")
def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", "staticfiles", ".git", "*.pyc", "tests", "media")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))}
    known = {e.msgid for e in polib.pofile(str(PO))}
    assert sorted(fresh - known) == [], "new strings: run `make messages` and translate them"


PAGES = [
    ("home", [], None, {"en": "Instrument catalog", "zh-hans": "仪器目录"}),
    ("login", [], None, {"en": "Log in", "zh-hans": "登录"}),
    ("signup", [], None, {"en": "Register your company", "zh-hans": "企业注册"}),
    ("password_reset", [], None, {"en": "Reset your password", "zh-hans": "重置密码"}),
    ("instruments:manage", [], "manager", {"en": "My instruments", "zh-hans": "我的仪器"}),
    ("instruments:create", [], "manager", {"en": "Register an instrument", "zh-hans": "登记仪器"}),
    ("instruments:import", [], "manager", {"en": "Import instruments", "zh-hans": "导入仪器"}),
    ("booking:search", [], None, {"en": "Find free time", "zh-hans": "查找空闲时段"}),
    ("booking:reservations", [], "manager", {"en": "My bookings", "zh-hans": "我的预约"}),
    ("booking:inbox", [], "manager", {"en": "Requests to decide", "zh-hans": "待审批申请"}),
    ("booking:notifications", [], "manager", {"en": "Notifications", "zh-hans": "通知"}),
    ("booking:feeds", [], "manager", {"en": "Calendar subscription", "zh-hans": "日历订阅"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "args", "who", "texts"), PAGES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_speak_the_chosen_language(client, name, args, who, texts, language):
    if who == "manager":
        client.force_login(f.lab_manager())
    response = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert texts[language] in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_instrument_pages_in_both_languages(client, language):
    instrument = f.InstrumentFactory(name_zh="扫描电镜", name_en="Scanning electron microscope")
    client.force_login(f.lab_manager(instrument.lab))
    name, heading = {
        "en": ("Scanning electron microscope", "Technical specifications"),
        "zh-hans": ("扫描电镜", "主要技术指标"),
    }[language]
    detail = client.get(reverse("instruments:detail", args=[instrument.code]), HTTP_ACCEPT_LANGUAGE=language)
    edit = client.get(reverse("instruments:edit", args=[instrument.code]), HTTP_ACCEPT_LANGUAGE=language)
    assert name in detail.content.decode()
    assert heading in detail.content.decode()
    assert name in edit.content.decode()


@pytest.mark.django_db
def test_language_switcher_remembers_the_choice(client):
    assert "仪器目录" in client.get(reverse("home")).content.decode()  # Chinese by default
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Instrument catalog" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_api_errors_follow_accept_language(api):
    response = api.get("/api/v1/instruments/", {"status": "nope"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "nope" in response.json()["status"][0] and "选择" in response.json()["status"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("name", "texts"),
    [
        ("booking:calendar", {"en": "Free: click to book", "zh-hans": "北京时间"}),
        ("booking:book", {"en": "Send the request", "zh-hans": "提交申请"}),
        ("booking:policy", {"en": "Opening hours", "zh-hans": "开放时间"}),
    ],
)
def test_booking_pages_of_an_instrument_in_both_languages(client, language, name, texts):
    instrument = f.bookable()
    client.force_login(f.lab_manager(instrument.lab))
    page = client.get(reverse(name, args=[instrument.code]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert texts[language] in page
