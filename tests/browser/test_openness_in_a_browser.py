"""The regulators' story in a real browser at a phone's width: the province regulator opens
the dashboard, sees its charts, drills down to an instrument with the period kept, and
opens the NRII records; a Suzhou regulator cannot reach Nanjing."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests import factories as f
from tests.browser.pages import click_and_load, csp_refusals, log_in, wait_for
from tests.openness.pages_world import QUERY, USERS, build

# serialized_rollback: the flush after a transactional test must not take the seeded regions along.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "nrii-v1.schema.json").read_text())


TOOLTIP_SHOWN = """return [...document.querySelectorAll("[data-chart='trend'] div")].some((d) =>
    d.querySelector("span[style]") && getComputedStyle(d).display !== "none" && getComputedStyle(d).opacity > 0)"""


def fits_a_phone(browser) -> bool:
    """Nothing is wider than a 390 px phone, except inside the tables' own scrolling boxes.
    (Headless Chromium will not make a window narrower than 500 px: the device is emulated.)"""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})  # fmt: skip
    try:
        browser.refresh()
        wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-chart] canvas"))
        return browser.execute_script("return document.documentElement.scrollWidth <= 390")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def drill(browser, table: str, name: str) -> None:
    click_and_load(browser, (By.XPATH, f"//table[@data-table='{table}']//a[normalize-space()='{name}']"))
    assert QUERY in browser.current_url  # the period goes along


def test_the_province_regulator_drills_down_to_an_instrument_and_exports(browser, live_server):
    world = build()
    province, suzhou = USERS["province"](world), USERS["suzhou"](world)
    base = live_server.url
    log_in(browser, base, province.username, f.PASSWORD)
    browser.get(f"{base}/openness/?{QUERY}")
    assert "江苏省" in browser.find_element(By.TAG_NAME, "h1").text
    # ECharts drew the charts (a canvas each), and the numbers are one click away.
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-chart='trend'] canvas"))
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[data-chart='treemap'] canvas"))
    numbers = browser.find_element(By.CSS_SELECTOR, "[data-chart='trend'] ~ details.numbers")
    assert not numbers.find_element(By.TAG_NAME, "table").is_displayed()
    numbers.find_element(By.TAG_NAME, "summary").click()
    assert "4.00" in numbers.find_element(By.TAG_NAME, "table").text
    # A tooltip, the one place ECharts writes HTML (with style attributes), shows under the policy.
    trend = browser.find_element(By.CSS_SELECTOR, "[data-chart='trend'] canvas")
    ActionChains(browser).move_to_element(trend).perform()
    wait_for(browser, lambda b: b.execute_script(TOOLTIP_SHOWN))
    assert csp_refusals(browser) == []
    assert fits_a_phone(browser)

    drill(browser, "children", "苏州市")
    drill(browser, "children", "姑苏区")
    drill(browser, "children", "苏州大学")
    drill(browser, "instruments", "场发射扫描电镜")
    assert browser.find_element(By.TAG_NAME, "h1").text == "场发射扫描电镜"
    bookings = browser.find_element(By.CSS_SELECTOR, "table[data-table='bookings']")
    assert f"#{world['booking'].pk}" in bookings.text
    crumbs = [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".crumbs a")]
    assert crumbs == ["江苏省", "苏州市", "姑苏区", "苏州大学"]
    assert fits_a_phone(browser)

    browser.get(f"{base}/openness/?{QUERY}")
    click_and_load(browser, (By.CSS_SELECTOR, "a.nrii-instruments"))
    document = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    Draft202012Validator(SCHEMA).validate(document)
    assert {unit["unitCode"] for unit in document["units"]} == {"suda", "nju"}

    log_in(browser, base, suzhou.username, f.PASSWORD)
    browser.get(f"{base}/openness/?{QUERY}")
    assert "苏州市" in browser.find_element(By.TAG_NAME, "h1").text
    assert "南京" not in browser.find_element(By.TAG_NAME, "main").text
    for url in ("/openness/regions/320100/", "/openness/institutions/nju/", "/openness/regions/320000/"):
        browser.get(f"{base}{url}?{QUERY}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "无权访问"
    browser.get(f"{base}/openness/instruments/nj-1/?{QUERY}")
    assert "核磁共振波谱仪" not in browser.find_element(By.TAG_NAME, "main").text
