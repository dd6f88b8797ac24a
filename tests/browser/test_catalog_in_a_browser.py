"""The catalog in a real browser at a phone's size: search, filter, page, switch language."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests import factories as f
from tests.browser.pages import click_and_load, csp_refusals

# serialized_rollback: the flush after a transactional test must not take the seeded regions along.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def instruments():
    lab = f.LabFactory()
    for n in range(14):
        f.InstrumentFactory(lab=lab, name_zh=f"红外光谱仪{n}", category_id="010400")
    f.InstrumentFactory(lab=lab, name_zh="拉曼光谱仪", category_id="010400", status="repair")
    f.InstrumentFactory(lab=lab, name_zh="液相色谱仪", category_id="010500")


SUBMIT = (By.CSS_SELECTOR, "form.filters button[type=submit]")


def found(browser) -> list[str]:
    return [el.text for el in browser.find_elements(By.CSS_SELECTOR, ".card h3")]


def test_search_filter_and_page_on_a_phone(browser, live_server, instruments):
    browser.get(f"{live_server.url}/instruments/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "仪器目录"
    assert not browser.find_element(By.ID, "id_status").is_displayed()  # extra filters folded on a phone

    browser.find_element(By.ID, "id_q").send_keys("光谱")
    click_and_load(browser, SUBMIT)
    assert "共找到 15 台仪器" in browser.find_element(By.TAG_NAME, "main").text
    assert len(found(browser)) == 12

    browser.find_element(By.CSS_SELECTOR, "details.more-filters summary").click()
    Select(browser.find_element(By.ID, "id_status")).select_by_value("normal")
    click_and_load(browser, SUBMIT)
    assert "共找到 14 台仪器" in browser.find_element(By.TAG_NAME, "main").text
    assert "拉曼光谱仪" not in found(browser)

    click_and_load(browser, (By.LINK_TEXT, "下一页"))
    assert len(found(browser)) == 2
    assert "status=normal" in browser.current_url and "page=2" in browser.current_url
    assert csp_refusals(browser) == []


def test_language_switch_from_the_phone_menu(browser, live_server, instruments):
    browser.get(f"{live_server.url}/instruments/")
    browser.find_element(By.CSS_SELECTOR, "label.nav-toggle-label").click()
    click_and_load(browser, (By.CSS_SELECTOR, "button[name=language][value=en]"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Instrument catalog"
    browser.find_element(By.CSS_SELECTOR, "label.nav-toggle-label").click()
    click_and_load(browser, (By.CSS_SELECTOR, "button[name=language][value=zh-hans]"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "仪器目录"


def test_detail_page_from_a_card(browser, live_server, instruments):
    browser.get(f"{live_server.url}/instruments/?q=液相")
    click_and_load(browser, (By.CSS_SELECTOR, "a.card"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "液相色谱仪"
