"""A start-up books a free slot in the browser; the lab manager's inbox shows it without
reloading, the manager approves it and the start-up sees it approved. Against a real
daphne process (HTTP and WebSockets), as users run it."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from selenium.webdriver.common.by import By

from booking.models import Reservation
from tests import factories as f
from tests.browser.conftest import new_browser
from tests.browser.pages import click_and_load, csp_refusals, log_in, wait_for
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def manager_browser():
    driver = new_browser("1280,900")
    yield driver
    driver.quit()


def test_book_a_free_slot_and_see_it_approved(browser, manager_browser):
    instrument = f.bookable(f.InstrumentFactory(name_zh="X射线衍射仪"))
    manager = f.lab_manager(instrument.lab, username="manager")
    startup = f.UserFactory(username="startup", organization=f.OrganizationFactory(kind="enterprise"))
    for user in (manager, startup):
        # The server runs with the production hashers, not the fast one of the test process.
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(f.PASSWORD, hasher.salt())
        user.save()
    with WebServers(1, database_url(connection.settings_dict)) as server:
        base = server.urls[0]
        log_in(manager_browser, base, manager.username, f.PASSWORD)
        manager_browser.get(f"{base}/reservations/inbox/")
        wait_for(manager_browser, lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
        assert manager_browser.find_elements(By.CSS_SELECTOR, "tr[data-reservation]") == []

        log_in(browser, base, startup.username, f.PASSWORD)
        browser.get(f"{base}/instruments/{instrument.code}/calendar/")
        click_and_load(browser, (By.CSS_SELECTOR, "a.next-week"))
        # A click on free time offers the time clicked: here the third half hour of a free block.
        href, clicked = browser.execute_script(  # in one script: a live update may redraw the week
            "const a = document.querySelectorAll('#week .blk.free a.slot')[2];"
            "return [a.getAttribute('href'), a.textContent.trim()]"
        )
        click_and_load(browser, (By.CSS_SELECTOR, f"#week .blk.free a.slot[href='{href}']"))
        assert browser.find_element(By.ID, "id_start_time").get_attribute("value") == clicked
        browser.find_element(By.ID, "id_purpose").send_keys("薄膜物相分析")
        click_and_load(browser, (By.CSS_SELECTOR, "main form button[type=submit]"))
        reservation = Reservation.objects.get()
        assert browser.current_url.endswith(f"/reservations/{reservation.pk}/")
        assert reservation.status == "pending"

        # The inbox, open all along, shows the request without a reload.
        row = wait_for(
            manager_browser, lambda b: b.find_element(By.CSS_SELECTOR, f"tr[data-reservation='{reservation.pk}']")
        )
        assert "薄膜物相分析" in row.text
        click_and_load(manager_browser, (By.CSS_SELECTOR, f"tr[data-reservation='{reservation.pk}'] button"))

        browser.refresh()
        assert "status-approved" in browser.find_element(By.CSS_SELECTOR, "main .tag").get_attribute("class")
        reservation.refresh_from_db()
        assert reservation.status == "approved"
        assert csp_refusals(browser) == [] and csp_refusals(manager_browser) == []
        assert server.output().count("Traceback") == 0
