"""Under the site's Content Security Policy the pages still work in a real browser, and the
browser refuses nothing on them: the live calendars, status panels and dashboards start
their sockets from the page's markup and redraw on a change; the copy button, the filters
that send themselves, the API docs (Swagger UI) and the Django admin all run."""

import json
import urllib.request

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests import factories as f
from tests.booking.helpers import at
from tests.browser.pages import click_and_load, csp_refusals, log_in, wait_for, with_password
from tests.helpers import WebServers, database_url

# serialized_rollback: the flush after a transactional test must not take the seeded regions along.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def is_live(browser, selector: str) -> bool:
    return "on" in browser.find_element(By.CSS_SELECTOR, selector).get_attribute("class").split()


def request_by_api(base: str, instrument, start, end) -> int:
    """A start-up's request through the REST API: made by the server, whose channel layer
    then tells the open calendars."""
    requester = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    token = Token.objects.create(user=requester)
    body = {"instrument": instrument.pk, "start": start.isoformat(), "end": end.isoformat(), "purpose": "物相分析"}
    request = urllib.request.Request(
        f"{base}/api/v1/reservations/", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Token {token.key}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_live_pages_start_from_their_markup_and_redraw(desk):
    instrument = f.bookable(f.InstrumentFactory(name_zh="X射线衍射仪"))
    manager = with_password(f.lab_manager(instrument.lab, username="manager"))
    with WebServers(1, database_url(connection.settings_dict)) as server:
        base = server.urls[0]
        log_in(desk, base, manager.username, f.PASSWORD)

        desk.get(f"{base}/instruments/{instrument.code}/calendar/?week={at(2, 0).date().isoformat()}")
        wait_for(desk, lambda b: is_live(b, "#live"))
        assert desk.find_elements(By.CSS_SELECTOR, "#week .blk.busy") == []
        assert request_by_api(base, instrument, at(2, 10), at(2, 12)) == 201
        wait_for(desk, lambda b: b.find_elements(By.CSS_SELECTOR, "#week .blk.busy"))  # redrawn, not reloaded

        desk.get(f"{base}/instruments/{instrument.code}/calendar/?view=month")
        wait_for(desk, lambda b: is_live(b, "#live"))
        desk.get(f"{base}/instruments/{instrument.code}/")
        wait_for(desk, lambda b: is_live(b, ".live-status [data-live]"))
        desk.get(f"{base}/telemetry/labs/{instrument.lab_id}/")
        wait_for(desk, lambda b: is_live(b, "#live"))
        desk.get(f"{base}/reservations/inbox/")
        wait_for(desk, lambda b: is_live(b, "#live") and b.find_elements(By.CSS_SELECTOR, "tr[data-reservation]"))
        assert csp_refusals(desk) == []
        assert server.output().count("Traceback") == 0, server.output()


def test_scripted_controls_the_api_docs_and_the_admin_run(desk, live_server):
    instrument = f.bookable(f.InstrumentFactory(name_zh="扫描电镜"))
    member = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    f.CreditMarkFactory(user=member, organization=member.organization)
    base = live_server.url
    desk.get(f"{base}/api/docs/")
    wait_for(desk, lambda b: b.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock"))  # read the schema, drew it
    assert csp_refusals(desk) == []

    desk.get(f"{base}/instruments/")
    assert desk.find_element(By.CSS_SELECTOR, "details.more-filters").get_attribute("open") is not None  # wide

    log_in(desk, base, member.username, f.PASSWORD)
    desk.get(f"{base}/calendar/feeds/")
    desk.find_element(By.CSS_SELECTOR, "button[data-copy='feed-personal']").click()
    button = desk.find_element(By.CSS_SELECTOR, "button[data-copy='feed-personal']")
    said = wait_for(desk, lambda b: b.find_element(By.CSS_SELECTOR, ".feed-url .copied").text)
    assert said in (button.get_attribute("data-copied"), button.get_attribute("data-selected"))

    desk.get(f"{base}/credit/")
    kinds = Select(desk.find_element(By.CSS_SELECTOR, "select[data-autosubmit]"))
    desk.execute_script("window.__leaving = true")
    kinds.select_by_index(1)  # the form sends itself
    wait_for(desk, lambda b: "kind=" in b.current_url and not b.execute_script("return window.__leaving"))
    assert csp_refusals(desk) == []

    log_in(desk, base, f.platform_admin().username, f.PASSWORD)
    for path in ("/admin/", "/admin/instruments/instrument/", f"/admin/instruments/instrument/{instrument.pk}/change/",
                 "/admin/accounts/user/add/"):  # fmt: skip
        desk.get(f"{base}{path}")
        assert desk.find_element(By.ID, "content").is_displayed(), path
    click_and_load(desk, (By.CSS_SELECTOR, "#nav-sidebar a[href='/admin/booking/reservation/']"))
    assert csp_refusals(desk) == []

    # The policy is enforced, and its refusals are seen: a script written into the page does not run.
    desk.execute_script("const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                        "document.body.append(s)")  # fmt: skip
    assert desk.execute_script("return window.ran") is None
    assert any("script-src" in refusal for refusal in csp_refusals(desk))
