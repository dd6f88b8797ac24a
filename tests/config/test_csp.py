"""Every page carries the Content Security Policy and keeps to it: scripts come only from
the site's files (a JSON data block is no script), no element has an event handler
attribute, no link a javascript: URL, no page an inline <style> sheet."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests import factories as f
from tests.billing import pages_world as billing_world
from tests.booking.helpers import at, book
from tests.helpers import TEST_SETTINGS, manage
from tests.openness import pages_world as openness_world

pytestmark = pytest.mark.django_db

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class Inline(HTMLParser):
    """Collects what a policy of script-src 'self' and style-src 'self' would refuse."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.found.append(f"<script> without src: {self.get_starttag_text()}")
        if tag == "style":
            self.found.append("<style> sheet")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")

    handle_startendtag = handle_starttag


def inline(html: str) -> list[str]:
    parser = Inline()
    parser.feed(html)
    parser.close()
    return parser.found


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_the_checker_finds_what_the_policy_refuses():
    page = """<script>alert(1)</script><script src="/static/a.js"></script>
    <script id="d" type="application/json">{}</script><button onclick="go()">x</button>
    <a href=" JavaScript:go()">y</a><style>p {}</style><p style="color:red">fine</p>"""
    assert inline(page) == [
        "<script> without src: <script>",
        "handler onclick= on <button>",
        "javascript: URL on <a>",
        "<style> sheet",
    ]


def test_pages_carry_a_policy_without_inline_script(client, settings):
    instrument = f.bookable()
    for url in ("/", reverse("instruments:detail", args=[instrument.code]), "/no/such/page/"):
        policy = directives(client.get(url))
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["style-src"] == ["'self'"]  # inline sheets refused; only style attributes allowed
        assert policy["style-src-attr"] == ["'unsafe-inline'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert policy["connect-src"] == ["'self'", f"ws://{urlsplit(settings.SITE_URL).netloc}"]  # sockets, named


def test_the_socket_origin_follows_the_site_address():
    shown = manage(
        "shell", "-c", "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']"
        "['connect-src'])", SITE_URL="https://commons.example.cn", **TEST_SETTINGS,
    )  # fmt: skip
    assert shown.stdout.strip().splitlines()[-1:] == ["[\"'self'\", 'wss://commons.example.cn']"], shown.stderr


def test_the_api_docs_load_their_start_up_script_from_the_site(client):
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200 and inline(page.content.decode()) == []
    assert directives(page)["script-src"] == ["'self'"]
    script = client.get(reverse("api-docs"), {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def _pages() -> list[tuple[object, str]]:
    """A broad world and the pages each of its people opens."""
    w = billing_world.full()
    region = openness_world.build()
    instrument, code = w.instrument, w.instrument.code
    pending = book(instrument, requester=w.member, start=at(2, 10))
    order = f.SampleOrderFactory(instrument=instrument, requester=w.member)
    f.CreditMarkFactory(user=w.member, organization=w.customer)
    gateway = instrument.binding.gateway
    province = f.regulator("320000")
    week = at(2, 0).date().isoformat()
    anonymous = [
        "/", reverse("instruments:catalog"), reverse("instruments:detail", args=[code]),
        reverse("booking:calendar", args=[code]), f"{reverse('booking:calendar', args=[code])}?week={week}&partial=1",
        f"{reverse('booking:calendar', args=[code])}?view=month", reverse("booking:search"),
        reverse("openness:public"), reverse("openness:public-institution", args=[w.provider.code]),
        reverse("billing:voucher-programmes"), reverse("login"), reverse("signup"), reverse("password_reset"),
        reverse("telemetry:instrument-status", args=[instrument.pk]),
    ]  # fmt: skip
    member = [
        reverse("booking:book", args=[code]), reverse("booking:reservations"),
        reverse("booking:reservation", args=[pending.pk]), reverse("booking:notifications"),
        reverse("booking:credit-marks"), reverse("booking:feeds"), reverse("booking:sample-order-create", args=[code]),
        reverse("booking:sample-orders"), reverse("booking:sample-order", args=[order.pk]),
        reverse("billing:charges"), reverse("billing:invoices"), reverse("billing:invoice", args=[w.invoice.pk]),
        reverse("billing:voucher-mine"), reverse("billing:voucher-grant", args=[w.grant.pk]),
        reverse("billing:voucher-apply", args=[w.grant.programme_id]), reverse("password_change"),
    ]  # fmt: skip
    manager = [
        reverse("booking:inbox"), reverse("booking:policy", args=[code]), reverse("booking:usage", args=[code]),
        reverse("instruments:manage"), reverse("instruments:create"), reverse("instruments:edit", args=[code]),
        reverse("instruments:import"), reverse("billing:rates", args=[code]), reverse("telemetry:gateways"),
        reverse("telemetry:gateway", args=[gateway.code]), reverse("telemetry:lab", args=[instrument.lab_id]),
        reverse("billing:charges"),
    ]  # fmt: skip
    provider_admin = [
        reverse("organization"), reverse("instruments:labs"), reverse("instruments:lab", args=[instrument.lab_id]),
        reverse("billing:invoice-draft"), reverse("telemetry:institution", args=[w.provider.pk]),
    ]  # fmt: skip
    period = f"?{openness_world.QUERY}"
    regulator = [
        reverse("openness:dashboard") + period, reverse("openness:region", args=["320500"]) + period,
        reverse("openness:institution", args=["suda"]) + period,
        reverse("openness:instrument", args=["su-1"]) + period, reverse("openness:rounds"),
        reverse("billing:voucher-programme", args=[w.grant.programme_id]), reverse("billing:voucher-exceptions"),
        reverse("billing:voucher-claims"), reverse("billing:ledger"),
    ]  # fmt: skip
    admin = [
        reverse("telemetry:ingest"), reverse("admin:index"), reverse("admin:instruments_instrument_changelist"),
        reverse("admin:instruments_instrument_change", args=[instrument.pk]),
        reverse("admin:booking_reservation_change", args=[pending.pk]), reverse("admin:accounts_user_add"),
    ]  # fmt: skip
    assert region["su"].code == "su-1"
    return [
        *((None, url) for url in anonymous),
        *((w.member, url) for url in member),
        *((w.manager, url) for url in manager),
        *((w.provider_admin, url) for url in provider_admin),
        *((province, url) for url in regulator),
        *((w.platform_admin, url) for url in admin),
    ]


def test_no_page_has_inline_script_handlers_or_style_sheets(client):
    pages = _pages()
    problems, opened = {}, 0
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, (url, response.status_code)
        assert "Content-Security-Policy" in response, url
        found = inline(response.content.decode())
        if found:
            problems[url] = found
        opened += 1
    assert problems == {}
    assert opened == len(pages) >= 50


def test_the_week_calendar_keeps_working_without_inline_script(client):
    """The live region names its socket in the page; js/live.js starts it."""
    instrument = f.bookable()
    page = client.get(reverse("booking:calendar", args=[instrument.code]), {"week": at(1, 0).date().isoformat()})
    html = page.content.decode()
    assert f'data-socket="/ws/instruments/{instrument.pk}/calendar/"' in html and 'data-dot="live"' in html
