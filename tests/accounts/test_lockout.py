"""After too many failed sign-ins with one user name, that name is locked for a while, right
password or not, whether or not the user exists; an admin can unlock it."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import LoginLocked, login_authenticate, login_unlock
from accounts.models import LoginFailure
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}
LOCKED = "Too many failed sign-ins with this user name. Try again in 15 minutes, at "
WRONG = "Please enter a correct username and password."


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_WINDOW_MINUTES = 15
    settings.LOGIN_LOCKOUT_MINUTES = 15


@pytest.fixture
def user():
    return f.UserFactory(username="chenxiao")


def login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password}, headers=EN)


def errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username: str, times: int) -> list[list[str]]:
    return [errors(login(client, username, "wrong password")) for _ in range(times)]


def test_failures_below_the_limit_still_let_the_right_password_in(client, user):
    fail(client, "chenxiao", 2)
    assert login(client, "chenxiao", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_limit_locks_the_name_even_for_the_right_password(client, user):
    assert all(WRONG in e[0] for e in fail(client, "chenxiao", 3))
    response = login(client, "chenxiao", PASSWORD)
    assert response.status_code == 200
    assert errors(response)[0].startswith(LOCKED)
    until = timezone.localtime(LoginFailure.objects.get(username="chenxiao").locked_until)
    assert errors(response)[0] == f"{LOCKED}{until:%H:%M}."
    assert not signed_in(client)


def test_an_unknown_name_is_answered_exactly_like_a_known_one(client, user):
    known = [*fail(client, "chenxiao", 3), errors(login(client, "chenxiao", PASSWORD))]
    unknown = [*fail(client, "nobody", 3), errors(login(client, "nobody", PASSWORD))]
    assert [e[0][: len(LOCKED)] for e in known] == [e[0][: len(LOCKED)] for e in unknown]
    assert LoginFailure.objects.get(username="nobody").locked_until is not None


def test_a_success_clears_the_count(client, user):
    fail(client, "chenxiao", 2)
    assert login(client, "chenxiao", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="chenxiao").exists()
    client.logout()
    fail(client, "chenxiao", 2)
    assert login(client, "chenxiao", PASSWORD).status_code == 302


def test_the_lockout_ends_after_its_period(client, user):
    fail(client, "chenxiao", 3)
    LoginFailure.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert login(client, "chenxiao", PASSWORD).status_code == 302


def test_failures_older_than_the_window_do_not_count(client, user):
    fail(client, "chenxiao", 2)
    LoginFailure.objects.update(first_at=timezone.now() - dt.timedelta(minutes=16))
    fail(client, "chenxiao", 1)
    assert login(client, "chenxiao", PASSWORD).status_code == 302


def test_a_locked_name_does_not_lock_other_users(client, user):
    other = f.UserFactory(username="lihua")
    fail(client, "chenxiao", 3)
    assert login(client, other.username, PASSWORD).status_code == 302


def test_unlocking_lets_the_right_password_in_again(client, user):
    fail(client, "chenxiao", 3)
    assert login_unlock(username="chenxiao")
    assert login(client, "chenxiao", PASSWORD).status_code == 302
    assert not login_unlock(username="chenxiao")


def test_a_platform_admin_unlocks_from_the_admin(client, user):
    fail(client, "chenxiao", 3)
    admin = f.platform_admin()
    client.force_login(admin)
    record = LoginFailure.objects.get(username="chenxiao")
    response = client.post(
        reverse("admin:accounts_loginfailure_changelist"),
        {"action": "unlock", "_selected_action": [record.pk]},
        headers=EN,
    )
    assert response.status_code == 302
    assert not LoginFailure.objects.exists()
    client.logout()
    assert login(client, "chenxiao", PASSWORD).status_code == 302


def test_a_platform_admin_unlocks_a_user_from_the_user_list(client, user):
    fail(client, "chenxiao", 3)
    client.force_login(f.platform_admin())
    client.post(reverse("admin:accounts_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [user.pk]})
    assert not LoginFailure.objects.filter(username="chenxiao").exists()


def test_the_token_endpoint_counts_and_refuses_with_429(api, user):
    for _ in range(3):
        response = api.post(reverse("api-token"), {"username": "chenxiao", "password": "wrong"}, headers=EN)
        assert response.status_code == 400
    response = api.post(reverse("api-token"), {"username": "chenxiao", "password": PASSWORD}, headers=EN)
    assert response.status_code == 429
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    until = timezone.localtime(LoginFailure.objects.get(username="chenxiao").locked_until)
    assert response.json() == {"detail": f"{LOCKED}{until:%H:%M}."}


def test_the_token_endpoint_gives_a_token_and_clears_the_count(api, user):
    api.post(reverse("api-token"), {"username": "chenxiao", "password": "wrong"})
    response = api.post(reverse("api-token"), {"username": "chenxiao", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["token"]
    assert not LoginFailure.objects.exists()


def test_the_admin_sign_in_is_locked_too(client):
    admin = f.platform_admin(username="root")
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": "root", "password": "wrong"}, headers=EN)
    response = client.post(url, {"username": admin.username, "password": PASSWORD}, headers=EN)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_sign_ins_on_the_page_and_the_api_count_together(client, api, user):
    fail(client, "chenxiao", 2)
    api.post(reverse("api-token"), {"username": "chenxiao", "password": "wrong"})
    assert errors(login(client, "chenxiao", PASSWORD))[0].startswith(LOCKED)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_check_no_more_passwords_than_the_limit(user):
    guesses = 8
    start = threading.Barrier(guesses)
    outcomes: list[str] = []

    def guess() -> None:
        start.wait()
        try:
            login_authenticate(request=None, username="chenxiao", password="wrong")
            outcomes.append("checked")
        except LoginLocked:
            outcomes.append("locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["checked"] * 3 + ["locked"] * (guesses - 3)
    assert LoginFailure.objects.get(username="chenxiao").count == 3
