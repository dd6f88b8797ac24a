"""Small steps of browser tests."""

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def click(browser, selector: tuple[str, str]) -> None:
    """Click an element of a live page, which may redraw it between finding and clicking
    it: then find it again."""
    wait_for(browser, lambda b: b.find_element(*selector).click() or True)


def click_and_load(browser, selector: tuple[str, str]) -> None:
    """Click something that loads a new page, and wait until the new page is complete."""
    browser.execute_script("window.__leaving = true")  # gone once another document loads
    click(browser, selector)
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return document.readyState === 'complete' && !window.__leaving")
    )


def log_in(browser, base: str, username: str, password: str) -> None:
    browser.get(f"{base}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    click_and_load(browser, (By.CSS_SELECTOR, "main form button[type=submit]"))


def wait_for(browser, condition, timeout: float = 10):
    return WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(condition)


def csp_refusals(browser) -> list[str]:
    """What the browser refused under the Content Security Policy since the last call
    (reading Chromium's console log empties it)."""
    return [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def with_password(user):
    """The user with the demo password hashed by the production hashers, which a server of
    its own runs (the test process uses a fast one)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests import factories as f

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(f.PASSWORD, hasher.salt())
    user.save()
    return user
