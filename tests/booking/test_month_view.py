"""The month calendar names its weekdays and shows closed days — holidays, maintenance —
as closed, not as open days without free time."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import policies
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_month():
    """The first of next month and its first Wednesday, Thursday and Saturday."""
    first = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    wednesday = first + dt.timedelta(days=(2 - first.weekday()) % 7)
    return first, wednesday, wednesday + dt.timedelta(days=1), wednesday + dt.timedelta(days=3)


@pytest.fixture
def instrument(next_month):
    _first, wednesday, thursday, _saturday = next_month
    instrument = f.bookable(opening=(range(5), dt.time(9), dt.time(17)), max_days_ahead=90)
    tz = timezone.get_current_timezone()

    def close(day: dt.date, opens: dt.time, closes: dt.time, reason: str) -> None:
        start, end = dt.datetime.combine(day, opens, tz), dt.datetime.combine(day, closes, tz)
        policies.closure_add(policy=instrument.policy, by=None, start=start, end=end, reason=reason)

    close(wednesday, dt.time(0), dt.time(23, 59), "元旦")
    close(thursday, dt.time(10), dt.time(12), "例行维护")
    return instrument


def month_page(client, instrument, first: dt.date, language: str):
    url = reverse("booking:calendar", args=[instrument.code])
    response = client.get(url, {"view": "month", "month": first.strftime("%Y-%m")}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def cell(page: str, day: dt.date) -> tuple[str, str]:
    """The classes and the text of the day's cell."""
    found = re.search(rf'<td class="([^"]*)">\s*<a href="\?week={day:%Y-%m-%d}">(.*?)</a>', page, re.S)
    assert found, f"no cell for {day}"
    return found.group(1).split(), re.sub(r"<[^>]+>", " ", found.group(2))


@pytest.mark.parametrize(
    ("language", "weekdays"),
    [
        ("en", ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
        ("zh-hans", ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]),
    ],
)
def test_the_month_has_a_header_of_weekdays_from_monday(client, instrument, next_month, language, weekdays):
    page = month_page(client, instrument, next_month[0], language).content.decode()
    assert re.findall(r'<th scope="col">([^<]+)</th>', page) == weekdays


def test_a_day_closed_for_all_its_opening_hours_is_shown_closed_with_its_reason(client, instrument, next_month):
    first, wednesday, thursday, saturday = next_month
    page = month_page(client, instrument, first, "en").content.decode()
    classes, text = cell(page, wednesday)
    assert "closed" in classes and "has-free" not in classes
    assert "Closed" in text and "元旦" in text and "free" not in text
    classes, text = cell(page, thursday)  # closed for two hours only: still open
    assert "closed" not in classes and "has-free" in classes
    assert "6.0 h free" in text
    classes, _text = cell(page, saturday)  # no opening hours
    assert "shut" in classes and "closed" not in classes
