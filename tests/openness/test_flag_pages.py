"""The flag list on the openness pages: who sees which flags, and the explain and close
forms, which go through the same services as the API."""

import pytest
from django.urls import reverse

from accounts.models import User
from openness.models import Flag
from tests import factories as f
from tests.openness.flag_stories import detect

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag() -> Flag:
    nju = f.OrganizationFactory(code="nju", region=f.region("320104"))
    instrument = f.InstrumentFactory(lab=f.LabFactory(institution=nju), name_en="Flagged microscope")
    return detect(instrument)[Flag.Kind.GATEWAY]


def page_of(flag: Flag) -> str:
    start, end = flag.period_start.date(), flag.period_end.date()
    return f"{reverse('openness:region', args=['320100'])}?from={start}&to={end}"


def act(client, flag: Flag, action: str, note: str):
    return client.post(reverse("openness:flag-act", args=[flag.pk]),
                       {"action": action, "note": note, "next": page_of(flag)}, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip


def test_the_regulator_sees_the_flag_with_its_evidence_and_closes_it(client, flag):
    client.force_login(f.regulator("320100"))
    page = client.get(page_of(flag), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Flagged microscope" in page and f'id="flag-{flag.pk}"' in page and "telemetry coverage" in page
    assert "Close the flag" in page and "Send the explanation" not in page
    response = act(client, flag, "close", "已核实")
    assert response.status_code == 302 and response.url.endswith(f"#flag-{flag.pk}")
    flag.refresh_from_db()
    assert (flag.state, flag.closing_note) == (Flag.State.CLOSED, "已核实")


def test_the_institution_admin_explains_but_cannot_close(client, flag):
    admin = f.UserFactory(organization=flag.instrument.institution, role=User.Role.ORG_ADMIN)
    client.force_login(admin)
    url = reverse("openness:institution", args=["nju"])
    start, end = flag.period_start.date(), flag.period_end.date()
    page = client.get(f"{url}?from={start}&to={end}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Send the explanation" in page
    assert act(client, flag, "close", "自行关闭").status_code == 403
    assert act(client, flag, "explain", "网关更换中").status_code == 302
    flag.refresh_from_db()
    assert (flag.state, flag.explanation) == (Flag.State.EXPLAINED, "网关更换中")


def test_a_note_is_required(client, flag):
    client.force_login(f.regulator("320100"))
    response = act(client, flag, "close", "   ")
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.state == Flag.State.OPEN
    follow = client.get(response.url.split("#")[0], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Write a note" in follow


@pytest.mark.parametrize("who", ["suzhou regulator", "member", "anonymous"])
def test_others_cannot_act_on_the_flag(client, flag, who):
    if who == "suzhou regulator":
        client.force_login(f.regulator("320500"))
    elif who == "member":
        client.force_login(f.UserFactory(organization=flag.instrument.institution))
    response = act(client, flag, "close", "x")
    assert response.status_code == {"suzhou regulator": 404, "member": 404, "anonymous": 302}[who]
    if who == "anonymous":
        assert reverse("login") in response.url
    flag.refresh_from_db()
    assert flag.state == Flag.State.OPEN


def test_the_menu_leads_auditors_to_the_audit_and_others_to_the_public_pages(client):
    client.force_login(f.regulator("320100"))
    assert "Openness audit" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(f.UserFactory())
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Openness audit" not in page and reverse("openness:public") in page
