"""The openness pages: each in both languages with its key numbers, the drill-down with
the period kept at every step, and who may open which page (the scope matrix)."""

import re

import pytest

from openness import periods
from tests.openness.pages_world import QUERY, USERS, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build()


def get(client, url, user=None, language="en", **params):
    if user is not None:
        client.force_login(user)
    separator = "&" if "?" in url else "?"
    return client.get(f"{url}{separator}{QUERY}", params, HTTP_ACCEPT_LANGUAGE=language)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


PAGES = [
    # url, who, texts that must be there: {language: [...]}
    ("/openness/", "province", {"en": ["Jiangsu", "Suzhou", "Nanjing"], "zh-hans": ["江苏省", "苏州市", "南京市"]},
     ["4.00", "2.00", "50.00%", "6.00"]),
    ("/openness/regions/320500/", "province", {"en": ["Suzhou", "Gusu"], "zh-hans": ["苏州市", "姑苏区"]},
     ["3.00", "2.00", "66.67%"]),
    ("/openness/regions/320508/", "province", {"en": ["Soochow University"], "zh-hans": ["苏州大学"]},
     ["3.00", "66.67%"]),
    ("/openness/institutions/nju/", "province", {"en": ["Nanjing University", "NMR spectrometer"],
                                                "zh-hans": ["南京大学", "核磁共振波谱仪"]}, ["1.00", "0.00%", "4.00"]),
    ("/openness/instruments/su-1/", "province", {"en": ["Field emission SEM", "Nanowei Bio"],
                                                "zh-hans": ["场发射扫描电镜", "苏州纳微生物"]},
     ["3.00", "2.00", "66.67%", "2026-03-10 09:00", "2026-03-10 11:00"]),
    ("/openness/public/suda/", None, {"en": ["Soochow University"], "zh-hans": ["苏州大学"]}, ["3.00", "66.67%"]),
    ("/openness/public/", None, {"en": ["Nanjing University"], "zh-hans": ["南京大学"]}, []),
]  # fmt: skip


@pytest.mark.parametrize(("url", "who", "names", "numbers"), PAGES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_speaks_both_languages_and_shows_its_figures(client, world, url, who, names, numbers, language):
    user = USERS[who](world) if who else None
    response = get(client, url, user, language)
    assert response.status_code == 200
    page = text(response)
    assert f'<html lang="{language}">' in page
    for expected in names[language] + numbers:
        assert expected in page, expected


def test_the_drill_down_keeps_the_period_at_every_step(client, world):
    client.force_login(USERS["province"](world))
    steps = ["/openness/regions/320500/", "/openness/regions/320508/", "/openness/institutions/suda/",
             "/openness/instruments/su-1/"]  # fmt: skip
    page = text(get(client, "/openness/"))
    for step in steps:
        assert f'href="{step}?{QUERY.replace("&", "&amp;")}"' in page, step
        page = text(get(client, step))
    # The instrument's running time, its booking and the overrun are listed.
    assert f"#{world['booking'].pk}" in page and "1.00" in page


def test_the_instrument_page_lists_sessions_bookings_and_gaps(client, world):
    response = get(client, "/openness/instruments/nj-1/", USERS["province"](world))
    page = text(response)
    assert 'data-table="use"' in page and 'data-table="bookings"' in page and 'data-table="gaps"' in page
    assert "2026-03-20 00:00" in page and "6.00" in page  # the silence
    not_measured = text(get(client, "/openness/instruments/nj-2/"))
    assert "not measured" in not_measured and "4.00" in not_measured


def test_the_flag_list_has_its_place_on_the_dashboard(client, world):
    assert 'id="flags"' in text(get(client, "/openness/", USERS["province"](world)))


OK, REFUSED, MISSING = 200, 403, 404
MATRIX = {
    # who: {url: status}
    "province": {"/openness/": OK, "/openness/regions/320100/": OK, "/openness/regions/320500/": OK,
                 "/openness/institutions/nju/": OK, "/openness/instruments/nj-1/": OK,
                 "/openness/instruments/su-1/": OK},
    "suzhou": {"/openness/": OK, "/openness/regions/320100/": REFUSED, "/openness/regions/320000/": REFUSED,
               "/openness/regions/320500/": OK, "/openness/regions/320508/": OK,
               "/openness/institutions/nju/": REFUSED, "/openness/institutions/suda/": OK,
               "/openness/instruments/nj-1/": MISSING, "/openness/instruments/su-1/": OK},
    "gusu": {"/openness/regions/320500/": REFUSED, "/openness/regions/320508/": OK,
             "/openness/instruments/su-1/": OK, "/openness/instruments/nj-1/": MISSING},
    "suda admin": {"/openness/regions/320500/": REFUSED, "/openness/institutions/suda/": OK,
                   "/openness/institutions/nju/": REFUSED, "/openness/instruments/su-1/": OK,
                   "/openness/instruments/nj-1/": MISSING},
    "platform admin": {"/openness/": OK, "/openness/regions/320000/": OK, "/openness/institutions/nju/": OK,
                       "/openness/instruments/su-1/": OK},
    "member": {"/openness/": REFUSED, "/openness/regions/320500/": REFUSED, "/openness/institutions/suda/": REFUSED,
               "/openness/instruments/su-1/": REFUSED},
    "start-up": {"/openness/": REFUSED, "/openness/institutions/suda/": REFUSED},
}  # fmt: skip
CASES = [(who, url, status) for who, urls in MATRIX.items() for url, status in urls.items()]


@pytest.mark.parametrize(("who", "url", "status"), CASES)
@pytest.mark.parametrize("download", ["", "children.csv"])
def test_each_role_reaches_exactly_its_scope(client, world, who, url, status, download):
    params = {"download": download} if download and "/regions/" in url else {}
    response = get(client, url, USERS[who](world), **params)
    assert response.status_code == status
    if status == REFUSED:
        assert "Not allowed" in text(response)


def test_a_city_regulator_is_told_which_region_they_oversee(client, world):
    page = text(get(client, "/openness/regions/320100/", USERS["suzhou"](world)))
    assert "320500" in page and "Suzhou" in page


def test_an_institution_admin_lands_on_their_institution(client, world):
    response = get(client, "/openness/", USERS["suda admin"](world))
    assert response.status_code == 302 and response["Location"].startswith("/openness/institutions/suda/?")
    assert "from=2026-03-01" in response["Location"]


@pytest.mark.parametrize("url", ["/openness/", "/openness/regions/320500/", "/openness/institutions/suda/",
                                 "/openness/instruments/su-1/", "/openness/nrii/instruments.json"])  # fmt: skip
def test_anonymous_visitors_are_sent_to_log_in(client, world, url):
    response = get(client, url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_public_page_never_shows_who_booked(client, world):
    page = text(get(client, "/openness/public/suda/"))
    for private in ("Nanowei", "苏州纳微生物", "chenxiao", "陈", f"#{world['booking'].pk}", "/reservations/"):
        assert private not in page, private
    assert get(client, "/openness/public/nanowei/?download=months.csv").status_code == 200  # a firm's own page
    regulator = USERS["suzhou"](world).organization
    client.logout()
    assert get(client, f"/openness/public/{regulator.code}/").status_code == 404


def test_a_wrong_period_is_named_and_this_year_so_far_is_shown(client, world):
    client.force_login(USERS["province"](world))
    page = text(client.get("/openness/?from=2026-03-10&to=2026-03-01", HTTP_ACCEPT_LANGUAGE="en"))
    assert "&#x27;to&#x27; must be after &#x27;from&#x27;." in page and "Showing this year so far instead." in page
    page = text(client.get("/openness/?from=2026-13-01&to=2026-03-01", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Enter a valid date." in page


def test_without_a_period_the_page_shows_this_year_so_far(client, world):
    client.force_login(USERS["province"](world))
    page = text(client.get("/openness/", HTTP_ACCEPT_LANGUAGE="en"))
    expected = periods.this_year_so_far()
    assert f"{expected.first:%Y-%m-%d} – {expected.last:%Y-%m-%d}" in page


def test_quick_picks_are_this_year_so_far_last_month_and_last_year():
    import datetime as dt

    picks = [p for _label, p in periods.quick_picks(dt.date(2026, 3, 15))]
    assert [(p.first, p.after) for p in picks] == [
        (dt.date(2026, 1, 1), dt.date(2026, 3, 16)),
        (dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        (dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
    ]
    january = periods.Period(dt.date(2025, 12, 15), dt.date(2026, 2, 10)).months()
    assert [(m.first.isoformat(), m.after.isoformat()) for m in january] == [
        ("2025-12-15", "2026-01-01"), ("2026-01-01", "2026-02-01"), ("2026-02-01", "2026-02-10")]  # fmt: skip


def test_rankings_follow_the_chosen_order(client, world):
    client.force_login(USERS["province"](world))
    by_sharing = text(get(client, "/openness/", sort="sharing"))
    by_name = text(get(client, "/openness/", sort="name"))
    table = lambda page: page.split('data-table="children"')[1]  # noqa: E731
    assert table(by_sharing).index("Suzhou") < table(by_sharing).index("Nanjing")  # 66.67% before 0%
    assert table(by_name).index("Nanjing") < table(by_name).index("Suzhou")  # 320100 before 320500


def test_charts_get_their_numbers_and_labels_as_json_not_as_script(client, world):
    world["suzhou"].name_en = "</script><script>alert(1)</script>"
    world["suzhou"].save()
    page = get(client, "/openness/", USERS["province"](world)).content.decode()
    assert '<script id="openness-charts" type="application/json">' in page
    assert "<script>alert(1)" not in page
    assert "vendor/echarts-5.6.0/echarts.min.js" in page
