"""An organization's admins invite colleagues and set their roles; nobody else can."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import LAST_ADMIN
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return f.OrganizationFactory(kind="enterprise")


@pytest.fixture
def admin(org):
    return f.UserFactory(organization=org, role=User.Role.ORG_ADMIN)


def invite(client, **data):
    payload = {"full_name": "王芳", "username": "wangfang", "email": "wf@example.com", **data}
    return client.post(reverse("organization"), payload, HTTP_ACCEPT_LANGUAGE="en")


def test_admin_invites_a_colleague_who_sets_a_password_from_the_email(client, admin, org, mailoutbox):
    client.force_login(admin)
    assert invite(client).status_code == 302
    member = User.objects.get(username="wangfang")
    assert (member.organization, member.role, member.has_usable_password()) == (org, User.Role.MEMBER, False)
    link = next(word for word in mailoutbox[0].body.split() if "/accounts/reset/" in word)
    client.logout()
    form = client.get(link.split("127.0.0.1:8000", 1)[1], follow=True)
    assert form.context["validlink"]
    client.post(form.redirect_chain[-1][0], {"new_password1": "fresh-pass-2026!", "new_password2": "fresh-pass-2026!"})
    assert client.login(username="wangfang", password="fresh-pass-2026!")


def test_taken_user_name_is_a_form_error(client, admin):
    f.UserFactory(username="wangfang")
    client.force_login(admin)
    response = invite(client)
    assert "username" in response.context["form"].errors


@pytest.mark.parametrize(
    "who",
    ["member", "other org admin", "regulator", "lab manager", "platform admin"],
)
def test_only_the_organizations_own_admins_manage_its_members(client, org, admin, who):
    person = {
        "member": lambda: f.UserFactory(organization=org),
        "other org admin": lambda: f.UserFactory(role=User.Role.ORG_ADMIN),
        "regulator": lambda: f.regulator(),
        "lab manager": lambda: f.lab_manager(),
        "platform admin": lambda: f.platform_admin(),  # uses the admin site instead
    }[who]()
    client.force_login(person)
    own_admin = who == "other org admin"  # manages their own organization's members, never ours
    assert client.get(reverse("organization")).status_code == (200 if own_admin else 403)
    assert invite(client).status_code == (302 if own_admin else 403)
    assert not User.objects.filter(username="wangfang", organization=org).exists()
    client.post(reverse("organization-member", args=[admin.pk]), {"role": "member"})
    admin.refresh_from_db()
    assert admin.role == User.Role.ORG_ADMIN and admin.is_active


def test_admin_promotes_and_deactivates_members(client, org, admin):
    colleague = f.UserFactory(organization=org)
    client.force_login(admin)
    client.post(reverse("organization-member", args=[colleague.pk]), {"role": "org_admin", "active": "on"})
    colleague.refresh_from_db()
    assert colleague.role == User.Role.ORG_ADMIN
    client.post(reverse("organization-member", args=[colleague.pk]), {"role": "member"})
    colleague.refresh_from_db()
    assert colleague.role == User.Role.MEMBER and not colleague.is_active


def test_the_last_admin_cannot_step_down(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("organization-member", args=[admin.pk]), {"role": "member", "active": "on"}, follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert str(LAST_ADMIN) in [str(m) for m in response.context["messages"]]
    admin.refresh_from_db()
    assert admin.role == User.Role.ORG_ADMIN


def test_roles_beyond_member_and_admin_cannot_be_given(client, org, admin):
    colleague = f.UserFactory(organization=org)
    client.force_login(admin)
    client.post(reverse("organization-member", args=[colleague.pk]), {"role": "platform_admin", "active": "on"})
    colleague.refresh_from_db()
    assert colleague.role == User.Role.MEMBER and not colleague.is_superuser


def test_members_of_other_organizations_are_out_of_reach(client, admin):
    stranger = f.UserFactory()
    client.force_login(admin)
    assert client.post(reverse("organization-member", args=[stranger.pk]), {"role": "org_admin"}).status_code == 404
