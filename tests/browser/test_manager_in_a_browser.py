"""A lab manager in the browser: the inbox filtered to one instrument stays live (a new
request for it appears, one for another instrument does not), several requests are approved
at once after a confirmation, one is rejected from its panel with a reason, and a trained
user is chosen on the rules page by searching. Against a real daphne process and Redis."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from selenium.webdriver.common.by import By

from booking.models import Reservation
from tests import factories as f
from tests.booking.helpers import at, book
from tests.browser.pages import click, click_and_load, csp_refusals, log_in, wait_for
from tests.helpers import WebServers, database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def rows(browser) -> set[int]:
    # Read in one script: a live refresh may replace the rows between two reads.
    script = "return [...document.querySelectorAll('tr[data-reservation]')].map(r => r.dataset.reservation)"
    return {int(pk) for pk in browser.execute_script(script)}


def test_a_manager_filters_approves_rejects_and_names_a_trained_user(desk, redis_server, settings):
    # Requests are made here, in the test's process: Redis carries their hints to the server's.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_server.url]}}
    }
    xrd = f.bookable(f.InstrumentFactory(name_zh="X射线衍射仪", code="xrd-1"))
    sem = f.bookable(f.InstrumentFactory(lab=xrd.lab, name_zh="扫描电镜", code="sem-1"))
    manager = f.lab_manager(xrd.lab, username="manager")
    hasher = PBKDF2PasswordHasher()  # the server runs with the production hashers
    manager.password = hasher.encode(f.PASSWORD, hasher.salt())
    manager.save()
    colleague = f.UserFactory(username="li-trained", organization=xrd.institution)
    first, second = book(xrd, start=at(2, 10)), book(xrd, start=at(3, 10))
    with WebServers(1, database_url(connection.settings_dict), REDIS_URL=redis_server.url) as server:
        base = server.urls[0]
        log_in(desk, base, manager.username, f.PASSWORD)
        desk.get(f"{base}/reservations/inbox/?instrument=xrd-1")
        wait_for(desk, lambda b: "on" in b.find_element(By.ID, "live").get_attribute("class"))
        assert rows(desk) == {first.pk, second.pk}

        other = book(sem, start=at(2, 14))
        third = book(xrd, start=at(4, 10))
        wait_for(desk, lambda b: third.pk in rows(b))
        assert other.pk not in rows(desk)

        # The hints of the two new requests may redraw the rows once more while they are ticked
        # (ticks survive a redraw: booking/static/booking/inbox.js).
        for pk in (first.pk, second.pk):
            click(desk, (By.CSS_SELECTOR, f"input[name=ids][value='{pk}']"))
        click(desk, (By.CSS_SELECTOR, "#bulk-approve > p.actions button"))
        wait_for(desk, lambda b: b.switch_to.alert).accept()
        wait_for(desk, lambda b: rows(b) == {third.pk})
        assert "xrd-1" in desk.current_url
        assert set(Reservation.objects.filter(status="approved").values_list("pk", flat=True)) == {first.pk, second.pk}

        click_and_load(desk, (By.CSS_SELECTOR, f"tr[data-reservation='{third.pk}'] a"))
        desk.find_element(By.ID, "reject-reason").send_keys("样品需预处理")
        click_and_load(desk, (By.CSS_SELECTOR, "form[data-decision=reject] button"))
        assert "样品需预处理" in desk.find_element(By.ID, "confirm").text
        click_and_load(desk, (By.CSS_SELECTOR, "#confirm button"))
        assert desk.current_url.endswith("/reservations/inbox/")
        third.refresh_from_db()
        assert (third.status, third.status_reason) == ("rejected", "样品需预处理")

        desk.get(f"{base}/instruments/xrd-1/booking-rules/")
        search = desk.find_element(By.ID, "id_trained_users")
        search.send_keys("li-tr")
        wait_for(desk, lambda b: b.find_element(By.CSS_SELECTOR, ".picker .results button")).click()
        click_and_load(desk, (By.CSS_SELECTOR, "button[name=save]"))
        assert list(xrd.policy.trained_users.all()) == [colleague]
        assert csp_refusals(desk) == []
        assert server.output().count("Traceback") == 0
