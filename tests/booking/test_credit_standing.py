"""Credit standing: thresholds, the rolling window, lifted marks, the end of a suspension."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.credit import APPROVAL_NEEDED, GOOD, SUSPENDED, credit_standing, credit_standings
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.CREDIT_WINDOW_DAYS = 180
    settings.CREDIT_APPROVAL_MARKS = 2
    settings.CREDIT_SUSPEND_MARKS = 4
    settings.CREDIT_SUSPEND_DAYS = 30
    settings.CREDIT_ORGANIZATION_FACTOR = 3


@pytest.fixture
def user():
    return f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))


def marks(user, *days_ago, **fields):
    return [f.CreditMarkFactory(user=user, at=NOW - d * DAY, **fields) for d in days_ago]


def test_no_marks_is_good_standing(user):
    standing = credit_standing(user=user, now=NOW)
    assert (standing.state, standing.ends, standing.user_total, standing.organization_total) == (GOOD, None, 0, 0)
    assert standing.user_counts == {"no_show": 0, "late_cancel": 0, "overdue": 0}


def test_one_mark_below_the_approval_threshold_is_still_good(user):
    marks(user, 10)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == GOOD and standing.user_total == 1


def test_two_marks_need_approval_until_the_older_leaves_the_window(user):
    marks(user, 100, 10)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == APPROVAL_NEEDED
    assert standing.ends == NOW - 100 * DAY + 180 * DAY
    assert credit_standing(user=user, now=standing.ends - dt.timedelta(seconds=1)).state == APPROVAL_NEEDED
    assert credit_standing(user=user, now=standing.ends).state == GOOD


def test_counts_are_by_kind_for_the_user_and_the_organization(user):
    marks(user, 5, kind="no_show")
    marks(user, 6, kind="late_cancel")
    colleague = f.UserFactory(organization=user.organization)
    marks(colleague, 7, kind="no_show")
    f.CreditMarkFactory(user=None, organization=user.organization, kind="overdue", at=NOW - 8 * DAY)
    standing = credit_standing(user=user, now=NOW)
    assert standing.user_counts == {"no_show": 1, "late_cancel": 1, "overdue": 0}
    assert standing.organization_counts == {"no_show": 2, "late_cancel": 1, "overdue": 1}
    assert standing.as_dict()["organization_marks"]["total"] == 4


def test_a_mark_older_than_the_window_does_not_count(user):
    marks(user, 181, 10)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == GOOD and standing.user_total == 1


def test_the_window_rolls_with_the_clock(user):
    marks(user, 30, 20)
    assert credit_standing(user=user, now=NOW).state == APPROVAL_NEEDED
    assert credit_standing(user=user, now=NOW + 151 * DAY).state == GOOD  # the first left after 180 days


def test_lifted_marks_do_not_count(user):
    first, _second = marks(user, 30, 20)
    first.lifted_at = NOW - DAY
    first.save()
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == GOOD and standing.user_total == 1


def test_marks_after_now_do_not_count_yet(user):
    marks(user, 10, -1)
    assert credit_standing(user=user, now=NOW).state == GOOD


def test_four_marks_suspend_for_thirty_days_after_the_last(user):
    marks(user, 60, 40, 20, 5)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == SUSPENDED
    assert standing.ends == NOW - 5 * DAY + 30 * DAY
    assert credit_standing(user=user, now=standing.ends - dt.timedelta(seconds=1)).state == SUSPENDED
    after = credit_standing(user=user, now=standing.ends)
    assert after.state == APPROVAL_NEEDED  # the marks still count in the window


def test_suspension_end_does_not_move_when_older_marks_leave_the_window(user):
    marks(user, 179, 100, 50, 10)  # the fourth mark, 10 days ago, had four in its window
    standing = credit_standing(user=user, now=NOW + 5 * DAY)  # the first has left the window by now
    assert standing.state == SUSPENDED
    assert standing.ends == NOW - 10 * DAY + 30 * DAY
    assert standing.user_total == 3


def test_four_marks_spread_wider_than_the_window_do_not_suspend(user):
    marks(user, 200, 150, 100, 10)
    assert credit_standing(user=user, now=NOW).state == APPROVAL_NEEDED


def test_lifting_a_mark_ends_the_suspension(user):
    first, *_rest = marks(user, 60, 40, 20, 5)
    first.lifted_at = NOW
    first.save()
    assert credit_standing(user=user, now=NOW).state == APPROVAL_NEEDED


def test_organization_needs_approval_at_three_times_the_user_threshold(user):
    colleagues = [f.UserFactory(organization=user.organization) for _ in range(5)]
    for colleague in colleagues:
        marks(colleague, 10)
    assert credit_standing(user=user, now=NOW).state == GOOD  # five marks, below 2 × 3
    f.CreditMarkFactory(user=None, organization=user.organization, kind="overdue", at=NOW - DAY)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == APPROVAL_NEEDED and standing.user_total == 0 and standing.organization_total == 6


def test_organization_suspended_at_three_times_the_user_threshold(user):
    for _ in range(12):
        f.CreditMarkFactory(user=None, organization=user.organization, kind="overdue", at=NOW - 2 * DAY)
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == SUSPENDED and standing.ends == NOW - 2 * DAY + 30 * DAY


def test_marks_follow_the_person_not_the_other_organization(user):
    other = f.OrganizationFactory()
    marks(user, 10, 5, organization=other)  # made while at another organization
    standing = credit_standing(user=user, now=NOW)
    assert standing.state == APPROVAL_NEEDED and standing.organization_total == 0


def test_standings_of_many_users_take_one_query(user):
    people = [f.UserFactory() for _ in range(5)]
    for person in people:
        marks(person, 3, 2)
    with CaptureQueriesContext(connection) as queries:
        standings = credit_standings([user, *people], now=NOW)
    assert len(queries) == 1
    assert [standings[p.pk].state for p in people] == [APPROVAL_NEEDED] * 5
    assert standings[user.pk].state == GOOD
