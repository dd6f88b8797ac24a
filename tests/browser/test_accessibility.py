"""The main pages pass axe-core's accessibility check with no serious or critical violation
(and the browser refuses nothing on them under the Content Security Policy),
in Chinese and in English, at a desktop's width (1280) and a phone's (390): as a visitor, a
start-up's member, a lab manager and a regulator. Against a real daphne process, in one
browser where each role logs in once. axe-core runs inside each page from the copy in
tests/browser/vendor/, so that the check needs no network."""

from pathlib import Path

import pytest
from django.db import connection
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from booking import services
from tests import factories as f
from tests.billing import pages_world
from tests.booking.helpers import at, book
from tests.browser.conftest import new_browser
from tests.browser.pages import csp_refusals, log_in, with_password
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
LANGUAGES = ("zh-hans", "en")
WIDTHS = (1280, 390)
# What the check reports: each serious or critical violation with the first elements at fault.
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then((result) => done(result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`)
)).catch((error) => done([`axe failed: ${error}`]));
"""


@pytest.fixture
def desk():
    driver = new_browser("1280,900")
    driver.set_script_timeout(30)
    # axe-core is in every document the browser opens from now on.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": AXE.read_text()})
    yield driver
    driver.quit()


def pages_by_role() -> dict[str, list[str]]:
    """Billing's world (an instrument with a rate card, charges and an issued invoice), with a
    request waiting for the manager and a rejected one that left a notification."""
    w = pages_world.full()
    code = w.instrument.code
    waiting = book(w.instrument, requester=w.member, start=at(3, 10))
    rejected = book(w.instrument, requester=w.member, start=at(4, 10))
    services.reservation_reject(reservation=rejected, by=w.manager, reason="样品需预处理")
    member, manager, regulator = (with_password(u).username for u in (w.member, w.manager, w.regulator))
    return {
        "": ["/", "/accounts/login/", "/instruments/no-such-instrument/"],
        member: [
            f"/instruments/{code}/", f"/instruments/{code}/calendar/", f"/instruments/{code}/calendar/?view=month",
            f"/instruments/{code}/book/", "/reservations/", "/notifications/", f"/reservations/{waiting.pk}/",
            "/billing/invoices/",
        ],
        manager: ["/reservations/inbox/", f"/instruments/{code}/booking-rules/", f"/reservations/{waiting.pk}/"],
        regulator: ["/openness/"],
    }  # fmt: skip


def start_as(browser, base: str, username: str) -> None:
    """A fresh session: logged in as the user, or a visitor when the name is empty."""
    browser.delete_all_cookies()
    if username:
        log_in(browser, base, username, f.PASSWORD)
        assert not browser.current_url.endswith("/accounts/login/"), f"{username} could not log in"
    else:
        browser.get(f"{base}/accounts/login/")


def set_width(browser, width: int) -> None:
    """A phone's width is emulated: headless Chromium makes no window narrower than 500 px."""
    if width >= 500:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": True})  # fmt: skip


def violations(browser, base: str, path: str, language: str) -> list[str]:
    browser.get(f"{base}{path}")
    assert browser.current_url == f"{base}{path}", f"{path} went to {browser.current_url}"
    assert browser.find_element("css selector", "html").get_attribute("lang") == language
    return browser.execute_async_script(RUN_AXE)


def test_the_main_pages_have_no_serious_accessibility_violations(desk):
    pages = pages_by_role()
    found = []
    with WebServers(1, database_url(connection.settings_dict)) as server:
        base = server.urls[0]
        for username, paths in pages.items():
            start_as(desk, base, username)
            for language in LANGUAGES:
                desk.add_cookie({"name": "django_language", "value": language})
                for width in WIDTHS:
                    set_width(desk, width)
                    for path in paths:
                        where = f"{path} ({language}, {width} px)"
                        found += [f"{where}: {v}" for v in violations(desk, base, path, language)]
                        found += [f"{where}: {refusal}" for refusal in csp_refusals(desk)]
        assert server.output().count("Traceback") == 0
    assert found == [], "\n".join(found)


def test_the_phone_menu_opens_from_the_keyboard(browser, live_server):
    browser.get(f"{live_server.url}/instruments/")
    focused = "return document.activeElement.matches(arguments[0])"
    keys = ActionChains(browser)
    keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script(focused, ".site-header a.brand")
    keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script(focused, "#nav-toggle")
    assert not browser.find_element(By.CSS_SELECTOR, ".site-nav").is_displayed()
    keys.send_keys(Keys.SPACE).perform()
    assert browser.find_element(By.CSS_SELECTOR, ".site-nav").is_displayed()
    keys.send_keys(Keys.TAB).perform()
    assert browser.execute_script(focused, ".site-nav a:first-child")
