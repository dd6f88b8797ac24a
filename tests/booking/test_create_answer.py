"""The answer to a new booking is built without reading it back, and says exactly what
reading it back says."""

import pytest
from rest_framework.authtoken.models import Token

from tests import factories as f
from tests.booking.helpers import at

pytestmark = pytest.mark.django_db


def created_and_read_back(api, user, instrument) -> tuple[dict, dict]:
    api.force_authenticate(user)
    body = {"instrument": instrument.pk, "start": at(2, 10).isoformat(), "end": at(2, 12).isoformat(),
            "purpose": "XRD 物相分析", "cost_centre": " G-2026-01 "}  # fmt: skip
    created = api.post("/api/v1/reservations/", body, format="json")
    assert created.status_code == 201, created.content
    read = api.get(f"/api/v1/reservations/{created.json()['id']}/")
    assert read.status_code == 200
    return created.json(), read.json()


def test_a_request_is_answered_as_it_reads_back(api):
    user = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    created, read = created_and_read_back(api, user, f.bookable(approval_required=True))
    assert created["status"] == "pending" and created["history"][0]["to_status"] == "pending"
    assert created == read


def test_a_managers_own_booking_is_answered_with_what_a_manager_sees(api):
    instrument = f.bookable(approval_required=False)
    created, read = created_and_read_back(api, f.lab_manager(instrument.lab), instrument)
    assert created["can_decide"] is True and created["requester_record"] is not None
    assert created == read


def test_an_institution_admin_booking_a_lab_with_managers_decides_as_read_back(api):
    instrument = f.bookable(approval_required=False)
    f.lab_manager(instrument.lab)
    created, read = created_and_read_back(api, f.org_admin(instrument.institution), instrument)
    assert created["can_decide"] is True
    assert created == read


def test_a_member_of_the_institution_who_manages_nothing_does_not_decide(api):
    instrument = f.bookable(approval_required=True)  # a lab without managers: its admins are told
    f.org_admin(instrument.institution)
    created, read = created_and_read_back(api, f.UserFactory(organization=instrument.institution), instrument)
    assert created["can_decide"] is False and created["requester_record"] is None
    assert created == read


def test_a_new_booking_costs_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    """Token and user with the organization; instrument with its policy; the calendar's events
    (the first time this process meets the policy's schedule version); the requester's credit;
    whether the policy approves them at once (two); the clash check (on SQLite: PostgreSQL's
    constraint needs none), two inserts, the managers and the notices; the transaction (a
    savepoint in a test): 13 on SQLite, 12 on PostgreSQL. A query more is a regression worth a
    look (bench/booking_bench.py)."""
    instrument = f.bookable(approval_required=True)
    f.lab_manager(instrument.lab)
    user = f.UserFactory(organization=f.OrganizationFactory(kind="enterprise"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    body = {"instrument": instrument.pk, "start": at(2, 10).isoformat(), "end": at(2, 12).isoformat(), "purpose": "x"}
    with django_assert_max_num_queries(13):
        assert api.post("/api/v1/reservations/", body, format="json").status_code == 201
