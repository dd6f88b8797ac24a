"""The printable annual report of an institution: scoped exactly as its page, a PDF in the
language of the request, with the page's figures for the year and the flags of the year."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from instruments.models import Instrument
from openness import annual_report, selectors, services
from openness.models import Flag
from openness.serializers import rollup_json
from tests import factories as f
from tests.openness.flag_stories import MARCH
from tests.openness.pages_world import USERS, build
from tests.pdf import streams

pytestmark = pytest.mark.django_db

YEAR = 2026  # the pages world is March 2026
CJK_FONTS = (b"WenQuanYi", b"NotoSansCJK", b"SourceHanSans")


@pytest.fixture
def world():
    return build()


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The HTML each report was rendered from, while the real PDF is still made."""
    htmls: list[str] = []
    real = annual_report.html_to_pdf

    def keep(html: str) -> bytes:
        htmls.append(html)
        return real(html)

    monkeypatch.setattr(annual_report, "html_to_pdf", keep)
    return htmls


def get(client, code: str, user=None, language: str = "en", year: int = YEAR):
    if user is not None:
        client.force_login(user)
    return client.get(f"/openness/institutions/{code}/report/{year}.pdf", HTTP_ACCEPT_LANGUAGE=language)


def page_count(pdf: bytes) -> int:
    """The /Count of the page tree's root (the one dictionary of /Type /Pages here)."""
    (tree,) = re.findall(rb"<<[^<>]*/Type\s*/Pages\b[^<>]*>>", streams(pdf))
    return int(re.search(rb"/Count\s+(\d+)", tree).group(1))


SCOPES = [
    ("province", "nju", 200),
    ("suzhou", "nju", 403),  # Suzhou's regulator never reaches Nanjing
    ("suzhou", "suda", 200),
    ("suda admin", "suda", 200),
    ("suda admin", "nju", 403),
    ("platform admin", "nju", 200),
    ("member", "suda", 403),
    ("start-up", "suda", 403),
]


@pytest.mark.parametrize(("who", "code", "status"), SCOPES)
def test_the_report_is_scoped_exactly_as_the_institution_page(client, world, who, code, status):
    user = USERS[who](world)
    assert get(client, code, user).status_code == status
    assert client.get(f"/openness/institutions/{code}/").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = get(client, "nju")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_report_is_a_pdf_with_a_name(client, world):
    response = get(client, "nju", USERS["province"](world))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="openness-nju-{YEAR}-en.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert page_count(response.content) >= 1


def test_there_is_no_report_of_a_future_year(client, world):
    next_year = timezone.localdate().year + 1
    assert get(client, "nju", USERS["province"](world), year=next_year).status_code == 404


def test_a_past_year_is_the_whole_calendar_year_and_this_one_is_the_year_so_far():
    today = dt.date(2026, 11, 30)
    assert annual_report.year_period(2025, today).params == {"from": "2025-01-01", "to": "2026-01-01"}
    assert annual_report.year_period(2026, today).params == {"from": "2026-01-01", "to": "2026-12-01"}
    assert annual_report.year_period(2027, today) is None


def test_the_report_has_the_figures_of_the_institution_page_for_the_year(client, world, rendered):
    response = get(client, "nju", USERS["province"](world))
    report = response.context["report"]
    period = annual_report.year_period(YEAR)
    page = client.get(f"/openness/institutions/nju/?{period.query}").context["report"]
    assert report.figures == page.figures and report.national == page.national
    # ... which are the selectors' own roll-up of the institution.
    (rollup,) = selectors.rollup_rows(instruments=Instrument.objects.filter(institution=world["nanjing"]),
                                      start=period.start, end=period.end, level="institution")  # fmt: skip
    expected = rollup_json(rollup)
    for key in ("instruments", "measured_instruments", "effective_hours", "external_hours", "sharing_rate",
                "utilization", "booked_hours", "coverage"):  # fmt: skip
        assert report.figures[key] == expected[key], key
    assert (report.figures["effective_hours"], report.figures["booked_hours"]) == (1, 4)
    # Every instrument, with its measured hours and whether it is measured at all.
    rows = {row[0][0]: [text for text, _classes in row] for row in response.context["instruments"].rows}
    assert rows["nj-1"][2:7] == ["yes", "yes", "1.00", "0.00", "0.00%"]
    assert rows["nj-2"][3:7] == ["no", "—", "—", "—"] and rows["nj-2"][-1] == "4.00"
    # The months of the year, March with its hour.
    months = {row[0][0]: [text for text, _classes in row] for row in response.context["months"].rows}
    assert months["2026-03"][1:4] == ["1", "1.00", "0.00"]
    (html,) = rendered
    assert "NMR spectrometer" in html and "TEM" in html and "2026-03" in html


def test_the_report_speaks_the_language_of_the_request(client, world, rendered):
    user = USERS["province"](world)
    chinese = get(client, "nju", user, "zh-hans")
    english = get(client, "nju", user, "en")
    assert chinese["Content-Disposition"].endswith(f'openness-nju-{YEAR}-zh-hans.pdf"')
    zh, en = rendered
    assert '<html lang="zh-hans">' in zh and "南京大学" in zh and "核磁共振波谱仪" in zh and "有效工作机时" in zh
    assert '<html lang="en">' in en and "Nanjing University" in en and "Effective hours" in en
    assert english.content.startswith(b"%PDF-") and chinese.content.startswith(b"%PDF-")


def test_the_chinese_report_embeds_a_cjk_font(client, world):
    pdf = get(client, "nju", USERS["province"](world), "zh-hans").content
    assert any(name in streams(pdf) for name in CJK_FONTS), (
        "No CJK font in the PDF: Chinese would print as empty boxes. Install fonts-wqy-microhei "
        "(scripts/system-packages.sh test)."
    )


def test_the_flags_of_the_year_are_listed_with_their_state_and_explanation(client, world, rendered):
    services.flags_detect(start=MARCH[0], end=MARCH[1])
    flag = Flag.objects.get(instrument=world["nj2"], kind=Flag.Kind.GATEWAY)
    admin = f.UserFactory(organization=world["nanjing"], role=User.Role.ORG_ADMIN)
    services.flag_explain(flag=flag, by=admin, note="网关三月底才安装")
    get(client, "nju", USERS["province"](world))
    (html,) = rendered
    assert str(Flag.Kind(flag.kind).label) in html and str(Flag.State.EXPLAINED.label) in html
    assert "网关三月底才安装" in html and "2026-03-01" in html


def test_a_big_institution_gets_a_report_of_several_pages(client, world):
    lab = world["nj"].lab
    for number in range(60):
        f.InstrumentFactory(lab=lab, code=f"nj-big-{number:02}", original_value=settings.OPENNESS_THRESHOLD_CNY)
    response = get(client, "nju", USERS["province"](world))
    assert len(response.context["instruments"].rows) == 62
    assert page_count(response.content) > 1


def test_the_institution_page_links_to_the_report_of_its_year(client, world):
    client.force_login(USERS["province"](world))
    page = client.get("/openness/institutions/nju/?from=2025-01-01&to=2026-01-01").content.decode()
    assert 'href="/openness/institutions/nju/report/2025.pdf"' in page
