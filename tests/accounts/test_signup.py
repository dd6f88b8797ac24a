import pytest
from django.urls import reverse

from accounts.models import Organization, User
from accounts.validators import credit_code_check_character
from tests import factories as f

pytestmark = pytest.mark.django_db
BODY = "91320506MA1W8K2P3"
CODE = BODY + credit_code_check_character(BODY)


def form(**overrides) -> dict:
    return {
        "organization_name": "苏州纳微生物科技有限公司", "credit_code": CODE, "region": "320506",
        "full_name": "陈晓", "username": "chenxiao", "email": "chen@example.com",
        "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase", **overrides,
    }  # fmt: skip


def test_startup_signs_up_with_its_company_and_is_logged_in(client):
    response = client.post(reverse("signup"), form())
    assert response.status_code == 302
    user = User.objects.get(username="chenxiao")
    assert user.role == User.Role.ORG_ADMIN
    assert user.organization.kind == Organization.Kind.ENTERPRISE
    assert user.organization.code == CODE
    assert user.organization.region.code == "320506"
    assert client.get(reverse("home")).context["user"] == user


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": BODY + "0" if CODE[-1] != "0" else BODY + "1"}, "credit_code"),
        ({"credit_code": "91320506MA1W8K2PIO"}, "credit_code"),
        ({"password2": "something else"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"username": "bad name!"}, "username"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_signup_names_the_field_and_creates_nothing(client, overrides, field):
    response = client.post(reverse("signup"), form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organization.objects.filter(kind="enterprise").exists()
    assert not User.objects.filter(username__startswith="chenxiao").exists()


def test_a_registered_credit_code_cannot_sign_up_again(client):
    client.post(reverse("signup"), form())
    client.logout()
    response = client.post(reverse("signup"), form(username="other"))
    assert "credit_code" in response.context["form"].errors
    assert Organization.objects.filter(code=CODE).count() == 1


def test_taken_user_name_is_refused_without_creating_the_company(client):
    f.UserFactory(username="chenxiao")
    response = client.post(reverse("signup"), form())
    assert "username" in response.context["form"].errors
    assert not Organization.objects.filter(code=CODE).exists()


def test_password_reset_sends_a_working_link(client, mailoutbox):
    user = f.UserFactory(email="reset@example.com")
    client.post(reverse("password_reset"), {"email": "reset@example.com"})
    assert len(mailoutbox) == 1
    link = next(word for word in mailoutbox[0].body.split() if "/accounts/reset/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.get("/" + path, follow=True)
    assert confirm.context["validlink"]
    client.post(
        confirm.redirect_chain[-1][0], {"new_password1": "brand-new-pass-2026", "new_password2": "brand-new-pass-2026"}
    )
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-2026")


def test_login_and_logout(client):
    user = f.UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))
    assert not client.get(reverse("home")).context["user"].is_authenticated
