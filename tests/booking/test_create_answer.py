"""The answer to a new booking is built without reading it back, and says exactly what
reading it back says."""

import pytest

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
