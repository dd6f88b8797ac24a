"""The catalog's sort menu speaks the page's language, and sorts by the names shown."""

import re

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def sort_options(client, language: str) -> list[str]:
    page = client.get(reverse("instruments:catalog"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    menu = re.search(r'<select name="ordering".*?</select>', page, re.S)
    assert menu, "no sort menu"
    return re.findall(r"<option[^>]*>([^<]*)</option>", menu.group(0))


def test_the_sort_menu_is_all_chinese_or_all_english_whatever_was_asked_first(client):
    chinese = sort_options(client, "zh-hans")
    english = sort_options(client, "en")
    assert len(chinese) == len(english) == 9
    assert all(CJK.search(option) for option in chinese), chinese
    assert not any(CJK.search(option) for option in english), english
    assert sort_options(client, "zh-hans") == chinese


def test_sorting_by_name_follows_the_names_the_reader_sees(client):
    f.InstrumentFactory(name_zh="阿贝折射仪", name_en="Zeta potential analyser")
    f.InstrumentFactory(name_zh="紫外分光光度计", name_en="Atomic force microscope")
    f.InstrumentFactory(name_zh="核磁共振波谱仪", name_en="")  # no English name: shown, and sorted, in Chinese

    def names(language: str) -> list[str]:
        page = client.get(reverse("instruments:catalog"), {"ordering": "name"}, HTTP_ACCEPT_LANGUAGE=language)
        return [i.name for i in page.context["page"]]

    assert names("en") == ["Atomic force microscope", "Zeta potential analyser", "核磁共振波谱仪"]
    assert set(names("zh-hans")) == {"阿贝折射仪", "紫外分光光度计", "核磁共振波谱仪"}


@pytest.mark.parametrize(("language", "any_"), [("en", "Any"), ("zh-hans", "不限")])
def test_every_menu_of_the_catalog_says_any_in_words(client, language, any_):
    page = client.get(reverse("instruments:catalog"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    region = re.search(r'<select name="region".*?</select>', page, re.S).group(0)
    assert f'<option value="" selected>{any_}</option>' in region
    assert "---------" not in page
