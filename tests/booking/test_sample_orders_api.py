"""/api/v1/sample-orders/: order, follow, decide, complete with a multipart upload, confirm,
download; every door for every person; errors field by field."""

import pytest

from booking.models import SampleOrder
from tests import factories as f
from tests.booking import sample_helpers as h

pytestmark = pytest.mark.django_db
URL = "/api/v1/sample-orders/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def as_(api, user):
    if user is not None:
        api.force_authenticate(user)
    return api


def test_a_customer_orders_and_reads_the_order_back(api):
    instrument = f.bookable()
    customer = h.startup_user()
    response = as_(api, customer).post(
        URL, {"instrument": instrument.pk, "samples": 4, "description": "粉末 XRD"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["samples"], body["is_external"]) == ("pending", 4, True)
    assert body["instrument"]["code"] == instrument.code and body["requester"] == customer.username
    assert body["results_url"] is None and body["can_decide"] is False and body["can_confirm"] is False
    assert api.get(f"{URL}{body['id']}/").json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("samples", "message"),
    [(0, "Give the number of samples as a whole number from 1 to 1000."),
     (-3, "Give the number of samples as a whole number from 1 to 1000."),
     (2.5, "Give the number of samples as a whole number from 1 to 1000."),
     ("abc", "Give the number of samples as a whole number from 1 to 1000."),
     (None, "Give the number of samples as a whole number from 1 to 1000."),
     (1001, "At most 1000 samples per order; split a larger batch into several orders.")],
)  # fmt: skip
def test_a_bad_number_of_samples_is_a_field_error_and_writes_nothing(api, samples, message):
    instrument = f.bookable()
    response = as_(api, h.startup_user()).post(
        URL, {"instrument": instrument.pk, "samples": samples, "description": "XRD"}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"samples": [message]}
    assert not SampleOrder.objects.exists()


def test_missing_description_and_closed_instrument_are_named(api):
    as_(api, h.startup_user())
    blank = api.post(URL, {"instrument": f.bookable().pk, "samples": 2, "description": " "}, format="json", **EN)
    assert blank.status_code == 400
    assert blank.json() == {"description": ["Describe the samples and the tests you want."]}
    closed = api.post(URL, {"instrument": f.InstrumentFactory().pk, "samples": 2, "description": "XRD"}, format="json",
                      **EN)  # fmt: skip
    assert closed.status_code == 400
    assert closed.json() == {"instrument": ["The lab has not opened this instrument for booking yet."]}
    unknown = api.post(URL, {"instrument": 999999, "samples": 2, "description": "XRD"}, format="json", **EN)
    assert unknown.status_code == 400 and set(unknown.json()) == {"instrument"}
    assert not SampleOrder.objects.exists()


def test_anonymous_cannot_order_or_list(api):
    assert api.post(URL, {"samples": 1}, format="json").status_code == 401
    assert api.get(URL).status_code == 401


@pytest.mark.parametrize(
    ("who", "sees"),
    [("requester", True), ("manager", True), ("org admin", True), ("institution admin", True),
     ("other lab manager", False), ("stranger", False), ("colleague", False), ("regulator", False)],
)  # fmt: skip
def test_the_list_holds_ones_own_ones_labs_and_ones_organizations_orders(api, who, sees):
    order = h.order()
    h.order()  # somebody else's, elsewhere
    body = as_(api, h.person(who, order)).get(URL).json()
    assert [o["id"] for o in body["results"]] == ([order.pk] if sees else [])


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 404), ("colleague", 404), ("other lab manager", 404), ("regulator", 200),
     ("requester", 200), ("manager", 200), ("org admin", 200), ("institution admin", 200)],
)  # fmt: skip
def test_who_may_read_an_order(api, who, status):
    order = h.order()
    assert as_(api, h.person(who, order)).get(f"{URL}{order.pk}/").status_code == status


DOORS = ["anonymous", "stranger", "other lab manager", "regulator", "requester", "org admin", "manager"]
EXPECTED = {
    # action: status for each person in DOORS, on an order in the state the action needs
    "accept": [401, 404, 404, 403, 403, 403, 200],
    "reject": [401, 404, 404, 403, 403, 403, 200],
    "cancel": [401, 404, 404, 403, 200, 403, 200],
    "complete": [401, 404, 404, 403, 403, 403, 200],
    "confirm": [401, 404, 404, 403, 200, 200, 403],
}


def _ready_for(action: str):
    return {"accept": h.order, "reject": h.order, "cancel": h.order, "complete": h.accepted}.get(action, h.completed)()


def _post(api, order, action: str):
    path = f"{URL}{order.pk}/{action}/"
    if action == "complete":
        return api.post(path, {"results": h.upload(), "note": "见附件"}, format="multipart")
    return api.post(path, {"reason": "样品不合格"}, format="json")


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("who", DOORS)
def test_every_action_opens_only_to_its_people(api, action, who):
    order = _ready_for(action)
    before = SampleOrder.objects.values("status", "confirmed_at", "results").get()
    response = _post(as_(api, h.person(who, order)), order, action)
    expected = EXPECTED[action][DOORS.index(who)]
    assert response.status_code == expected, response.content
    if expected != 200:
        assert SampleOrder.objects.values("status", "confirmed_at", "results").get() == before
    else:
        body = response.json()
        assert body["id"] == order.pk
        assert body["status"] == {"accept": "accepted", "reject": "rejected", "cancel": "cancelled"}.get(
            action, "completed"
        )


def test_rejecting_without_a_reason_is_a_field_error(api):
    order = h.order()
    response = as_(api, h.manager_of(order)).post(f"{URL}{order.pk}/reject/", {}, format="json",
                                                   HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"reason": ["Give the requester a reason."]}
    assert SampleOrder.objects.get().status == "pending"


def test_a_decision_on_a_decided_order_is_409(api):
    order = h.accepted()
    response = as_(api, h.manager_of(order)).post(f"{URL}{order.pk}/accept/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert response.json() == {"detail": "This sample order is Accepted; it cannot be accepted."}


def test_completing_a_pending_order_is_409_and_stores_nothing(api, settings):
    order = h.order()
    response = _post(as_(api, h.manager_of(order)), order, "complete")
    assert response.status_code == 409
    assert h.stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("upload", "fragment"),
    [(lambda: h.upload("报告.pdf", h.EXE), "is not really a PDF file"),
     (lambda: h.upload("setup.exe", h.EXE), "is not an accepted kind of file"),
     (lambda: h.upload("big.pdf", h.PDF + b"0" * 4096), "a results file may be at most"),
     (lambda: None, "Upload the results file.")],
)  # fmt: skip
def test_a_bad_upload_is_a_field_error_and_writes_nothing(api, settings, upload, fragment):
    settings.SAMPLE_RESULTS_MAX_BYTES = 2048
    order = h.accepted()
    data = {"note": "x"} if upload() is None else {"results": upload(), "note": "x"}
    response = as_(api, h.manager_of(order)).post(
        f"{URL}{order.pk}/complete/", data, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    [message] = response.json()["results"]
    assert fragment in message
    assert SampleOrder.objects.get().status == "accepted"
    assert h.stored_files(settings.MEDIA_ROOT) == []


def test_results_are_downloaded_through_the_api_by_the_customer_and_the_lab(api):
    order = h.completed()
    body = as_(api, order.requester).get(f"{URL}{order.pk}/").json()
    assert body["results_name"] == "结果报告.pdf" and body["can_confirm"] is True
    assert body["results_url"].endswith(f"{URL}{order.pk}/results/")
    response = api.get(body["results_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == h.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("stranger", 404), ("other lab manager", 404), ("regulator", 403), ("requester", 200),
     ("org admin", 200), ("manager", 200), ("colleague", 404)],
)  # fmt: skip
def test_who_may_download_the_results(api, who, status):
    order = h.completed()
    response = as_(api, h.person(who, order)).get(f"{URL}{order.pk}/results/")
    assert response.status_code == status
    if who == "regulator":
        assert as_(api, h.person(who, order)).get(f"{URL}{order.pk}/").json()["results_url"] is None


def test_confirming_twice_is_409(api):
    order = h.completed()
    as_(api, order.requester)
    assert api.post(f"{URL}{order.pk}/confirm/").status_code == 200
    assert api.post(f"{URL}{order.pk}/confirm/").status_code == 409


def test_the_schema_documents_the_sample_order_routes(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("", "{id}/", "{id}/accept/", "{id}/reject/", "{id}/cancel/", "{id}/complete/", "{id}/confirm/",
                 "{id}/results/"):  # fmt: skip
        assert f"{URL}{path}" in schema["paths"]
    complete = schema["paths"][f"{URL}{{id}}/complete/"]["post"]["requestBody"]["content"]
    assert list(complete) == ["multipart/form-data"]
