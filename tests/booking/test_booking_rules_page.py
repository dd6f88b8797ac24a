"""The booking rules page: people and organizations chosen by searching (never listed in
full), weekdays in a row, and the enforced rules shown beside the lab's own words, which
users read on the instrument page too."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument():
    return f.bookable(min_notice_minutes=4320, max_minutes=240, cancel_deadline_minutes=1440)


@pytest.fixture
def manager(instrument):
    return f.lab_manager(instrument.lab)


def search(client, instrument, q, kind="users"):
    return client.get(reverse("booking:policy-search", args=[instrument.code]), {"q": q, "kind": kind})


def labels(response) -> list[str]:
    return [r["label"] for r in response.json()["results"]]


def test_the_page_lists_only_the_chosen_people(client, instrument, manager):
    trained = f.UserFactory(username="trained-li", organization=instrument.institution)
    f.UserFactory(username="somebody-else")
    instrument.policy.trained_users.add(trained)
    client.force_login(manager)
    page = client.get(reverse("booking:policy", args=[instrument.code])).content.decode()
    assert "trained-li" in page and "somebody-else" not in page
    assert reverse("booking:policy-search", args=[instrument.code]) in page


def test_choosing_trained_and_auto_approved_people_and_organizations(client, instrument, manager):
    colleague = f.UserFactory(organization=instrument.institution)
    firm = f.OrganizationFactory(kind="enterprise")
    client.force_login(manager)
    url = reverse("booking:policy", args=[instrument.code])
    data = {
        name: value
        for name, value in client.get(url).context["form"].initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update({"save": "1", "approval_required": "on", "who_may_book": "trained",
                 "trained_users": [colleague.pk], "auto_approve_users": [colleague.pk],
                 "auto_approve_organizations": [firm.pk]})  # fmt: skip
    assert client.post(url, data).status_code == 302
    policy = instrument.policy
    policy.refresh_from_db()
    assert list(policy.trained_users.all()) == [colleague] == list(policy.auto_approve_users.all())
    assert list(policy.auto_approve_organizations.all()) == [firm]


def test_search_finds_people_the_manager_knows_by_name_or_organization(client, instrument, manager):
    f.UserFactory(username="wang-colleague", first_name="伟", last_name="王",
                              organization=instrument.institution)  # fmt: skip
    startup = f.OrganizationFactory(kind="enterprise", name_zh="纳微科技")
    customer = f.UserFactory(username="zhao-customer", organization=startup)
    f.ReservationFactory(instrument=instrument, requester=customer)  # a customer of the lab
    stranger = f.UserFactory(username="zhao-stranger", email="zhao@elsewhere.cn")
    client.force_login(manager)
    assert labels(search(client, instrument, "王伟")) == []  # words are matched one by one
    assert labels(search(client, instrument, "王")) == []  # one character is too short to ask
    assert any("wang-colleague" in x for x in labels(search(client, instrument, "wang")))
    found = labels(search(client, instrument, "纳微"))
    assert len(found) == 1 and "zhao-customer" in found[0] and "纳微科技" in found[0]
    assert not any("zhao-stranger" in x for x in labels(search(client, instrument, "zhao")))
    # Someone the lab has not met yet is found only by their exact user name or email.
    assert any("zhao-stranger" in x for x in labels(search(client, instrument, "zhao-stranger")))
    assert any("zhao-stranger" in x for x in labels(search(client, instrument, "ZHAO@elsewhere.cn")))
    assert stranger.email not in str(search(client, instrument, "zhao@elsewhere.cn").json())


def test_search_for_organizations_leaves_out_regulators(client, instrument, manager):
    f.OrganizationFactory(kind="enterprise", name_zh="苏州纳米科技")
    f.OrganizationFactory(kind="regulator", name_zh="苏州市科技局")
    client.force_login(manager)
    assert labels(search(client, instrument, "苏州", kind="organizations")) == ["苏州纳米科技"]


def test_search_answers_at_most_ten(client, instrument, manager):
    for n in range(15):
        f.UserFactory(username=f"member-{n}", organization=instrument.institution)
    client.force_login(manager)
    assert len(labels(search(client, instrument, "member"))) == 10


ROLES = {
    "anonymous": None,
    "lab manager": 200,
    "institution admin": 200,
    "platform admin": 200,
    "manager of another lab": 403,
    "institution member": 403,
    "regulator": 403,
    "start-up": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_search(client, instrument, role):
    lab = instrument.lab
    person = {
        "anonymous": lambda: None,
        "lab manager": lambda: f.lab_manager(lab),
        "institution admin": lambda: f.UserFactory(organization=lab.institution, role="org_admin"),
        "platform admin": f.platform_admin,
        "manager of another lab": f.lab_manager,
        "institution member": lambda: f.UserFactory(organization=lab.institution),
        "regulator": f.regulator,
        "start-up": lambda: f.UserFactory(organization=f.OrganizationFactory(kind="enterprise")),
    }[role]()
    f.UserFactory(username="member-x", organization=lab.institution)
    if person is not None:
        client.force_login(person)
    for kind in ("users", "organizations"):
        response = search(client, instrument, "member-x", kind=kind)
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == ROLES[role]
            if ROLES[role] == 200:
                assert ("member-x" in str(labels(response))) == (kind == "users")


def test_the_enforced_rules_stand_beside_the_labs_own_words(client, instrument, manager):
    client.force_login(manager)
    url = reverse("booking:policy", args=[instrument.code])
    response = client.post(url, {"save_text": "1", "requirement": "首次使用须经培训考核。"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.requirement == "首次使用须经培训考核。"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Book at least 3 days ahead" in page and "4 hours" in page and "1 day before the start" in page
    # Users read the same words above the lab's conditions on the instrument page.
    client.logout()
    detail = client.get(reverse("instruments:detail", args=[instrument.code]), HTTP_ACCEPT_LANGUAGE="en")
    text = detail.content.decode()
    assert text.index("Book at least 3 days ahead") < text.index("首次使用须经培训考核。")


@pytest.mark.parametrize(
    ("text", "warned"),
    [("提前 3 个工作日预约。", True), ("Book two days in advance.", True), ("首次使用须经培训考核。", False),
     ("Wear gloves; no magnetic items.", False)],
)  # fmt: skip
def test_the_lab_is_warned_when_its_words_speak_of_what_is_enforced(client, instrument, manager, text, warned):
    instrument.requirement = text
    instrument.save()
    client.force_login(manager)
    page = client.get(reverse("booking:policy", args=[instrument.code])).content.decode()
    assert ('id="text-overlaps"' in page) == warned


def test_others_cannot_change_the_labs_words(client, instrument):
    client.force_login(f.lab_manager())
    url = reverse("booking:policy", args=[instrument.code])
    assert client.post(url, {"save_text": "1", "requirement": "随时可约"}).status_code == 403
    instrument.refresh_from_db()
    assert instrument.requirement == ""


def test_weekdays_are_one_row_of_choices(client, instrument, manager):
    client.force_login(manager)
    page = client.get(reverse("booking:policy", args=[instrument.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = page[page.index('<div class="choice-row">') :].split("</div>")[0]
    assert row.count('type="checkbox"') == 7 and row.index("Mon") < row.index("Sun")
