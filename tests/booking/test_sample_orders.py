"""The sample order service: order, accept or reject, complete with results, confirm; who
may do which, and bad input refused field by field with nothing written."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from booking import live, samples
from booking.models import SampleOrder
from booking.sample_files import RESULTS_EMPTY, RESULTS_NOT_WHAT_IT_SAYS, RESULTS_REQUIRED, RESULTS_WRONG_TYPE
from booking.services import REASON_REQUIRED, TransitionNotAllowed
from instruments.models import Instrument
from tests import factories as f
from tests.booking import sample_helpers as h

pytestmark = pytest.mark.django_db


def messages(error: ValidationError, field: str) -> list[str]:
    return error.value.message_dict[field]


def test_an_outside_customer_orders_and_the_order_waits_for_the_lab():
    instrument = f.bookable()
    customer = h.startup_user()
    order = samples.sample_order_create(
        requester=customer, instrument=instrument, samples=5, description="  薄膜 XRD  ", cost_centre=""
    )
    assert (order.status, order.samples, order.description) == ("pending", 5, "薄膜 XRD")
    assert order.organization == customer.organization and order.is_external
    assert order.decided_at is None and order.completed_at is None and order.confirmed_at is None


def test_a_member_of_the_owning_institution_is_internal_and_keeps_a_cost_centre():
    instrument = f.bookable()
    insider = f.UserFactory(organization=instrument.institution)
    order = h.order(instrument, insider, cost_centre="KJ2026-017")
    assert not order.is_external and order.cost_centre == "KJ2026-017"


def test_the_whole_lifecycle_sets_each_moment():
    order = h.accepted()
    assert order.status == "accepted" and order.decided_at is not None
    order = samples.sample_order_complete(
        order=order, by=h.manager_of(order), results_file=h.upload(), note="  物相见第 2 页 "
    )
    assert order.status == "completed" and order.completed_at is not None
    assert order.results_note == "物相见第 2 页"
    assert order.results.name.startswith(f"sample-results/{order.instrument_id}/")
    assert order.results.read() == h.PDF
    confirmed = samples.sample_order_confirm(order=order, by=order.requester)
    assert confirmed.confirmed_at is not None
    assert SampleOrder.objects.get(status="completed", confirmed_at__isnull=False) == order


@pytest.mark.parametrize("value", [0, -1, 2.5, "3", True, None])
def test_samples_must_be_a_whole_number_from_one(value):
    with pytest.raises(ValidationError) as error:
        h.order(samples_=value)
    assert messages(error, "samples") == ["Give the number of samples as a whole number from 1 to 1000."]
    assert not SampleOrder.objects.exists()


def test_too_many_samples_are_refused():
    with pytest.raises(ValidationError) as error:
        h.order(samples_=samples.MAX_SAMPLES + 1)
    assert messages(error, "samples") == ["At most 1000 samples per order; split a larger batch into several orders."]
    assert h.order(samples_=samples.MAX_SAMPLES).samples == 1000


def test_every_problem_is_named_on_its_field_at_once():
    with pytest.raises(ValidationError) as error:
        h.order(samples_=0, description="  ", cost_centre="x" * 65)
    assert set(error.value.message_dict) == {"samples", "description", "cost_centre"}
    assert messages(error, "description") == [str(samples.DESCRIPTION_REQUIRED)]
    assert not SampleOrder.objects.exists()


def test_an_instrument_not_opened_by_its_lab_takes_no_orders():
    with pytest.raises(ValidationError) as error:
        h.order(f.InstrumentFactory())
    assert messages(error, "instrument") == ["The lab has not opened this instrument for booking yet."]


def test_an_instrument_out_of_service_takes_no_orders():
    instrument = f.bookable()
    Instrument.objects.filter(pk=instrument.pk).update(status=Instrument.Status.REPAIR)
    instrument.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        h.order(instrument)
    assert "instrument" in error.value.message_dict


@pytest.mark.parametrize(
    ("who_may_book", "message"),
    [
        ("institution", "Only members of"),
        ("trained", "Only users trained on this instrument may book it"),
        ("organizations", "Your organization is not among those allowed"),
    ],
)
def test_the_booking_policy_decides_who_may_order(who_may_book, message):
    instrument = f.bookable(who_may_book=who_may_book)
    with pytest.raises(ValidationError) as error:
        h.order(instrument)
    assert messages(error, "non_field_errors")[0].startswith(message)
    insider = f.UserFactory(organization=instrument.institution)
    if who_may_book != "trained":
        assert h.order(instrument, insider).status == "pending"


def test_internal_only_instruments_refuse_outsiders():
    instrument = f.bookable(f.InstrumentFactory(share_mode=Instrument.ShareMode.INTERNAL))
    with pytest.raises(ValidationError) as error:
        h.order(instrument)
    assert messages(error, "non_field_errors") == ["This instrument is shared inside its institution only."]


def test_an_account_without_organization_cannot_order():
    with pytest.raises(ValidationError) as error:
        h.order(requester=f.platform_admin())
    assert "non_field_errors" in error.value.message_dict


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("manager", True), ("institution admin", True), ("requester", False), ("org admin", False),
     ("other lab manager", False), ("stranger", False)],
)  # fmt: skip
def test_only_the_lab_accepts_and_rejects(who, allowed):
    order = h.order()
    user = h.person(who, order)
    for change in (
        lambda: samples.sample_order_accept(order=order, by=user),
        lambda: samples.sample_order_reject(order=order, by=user, reason="样品不符"),
    ):
        if allowed:
            change()
            order.status = "pending"
            SampleOrder.objects.filter(pk=order.pk).update(status="pending")
        else:
            with pytest.raises(PermissionDenied):
                change()
    assert SampleOrder.objects.get().status == "pending"


def test_rejecting_needs_a_reason_that_the_customer_sees():
    order = h.order()
    manager = h.manager_of(order)
    with pytest.raises(ValidationError) as error:
        samples.sample_order_reject(order=order, by=manager, reason="   ")
    assert messages(error, "reason") == [str(REASON_REQUIRED)]
    assert SampleOrder.objects.get().status == "pending"
    rejected = samples.sample_order_reject(order=order, by=manager, reason=" 样品含汞，不受理 ")
    assert (rejected.status, rejected.status_reason) == ("rejected", "样品含汞，不受理")
    assert rejected.decided_at is not None


def test_a_decided_order_cannot_be_decided_again():
    order = h.accepted()
    manager = h.manager_of(order)
    with pytest.raises(TransitionNotAllowed) as refused:
        samples.sample_order_accept(order=order, by=manager)
    assert refused.value.message == "This sample order is Accepted; it cannot be accepted."
    with pytest.raises(TransitionNotAllowed):
        samples.sample_order_reject(order=order, by=manager, reason="晚了")


@pytest.mark.parametrize("state", ["pending", "accepted"])
def test_the_customer_cancels_before_the_results(state):
    order = h.order() if state == "pending" else h.accepted()
    cancelled = samples.sample_order_cancel(order=order, by=order.requester, reason="样品寄丢")
    assert (cancelled.status, cancelled.status_reason) == ("cancelled", "样品寄丢")


def test_nobody_cancels_a_completed_order():
    order = h.completed()
    for user in (order.requester, h.manager_of(order)):
        with pytest.raises(TransitionNotAllowed):
            samples.sample_order_cancel(order=order, by=user)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("manager", True), ("requester", True), ("institution admin", True), ("org admin", False),
     ("colleague", False), ("other lab manager", False), ("stranger", False)],
)  # fmt: skip
def test_who_may_cancel(who, allowed):
    order = h.accepted()
    user = h.person(who, order)
    if allowed:
        assert samples.sample_order_cancel(order=order, by=user).status == "cancelled"
    else:
        with pytest.raises(PermissionDenied):
            samples.sample_order_cancel(order=order, by=user)
        assert SampleOrder.objects.get().status == "accepted"


@pytest.mark.parametrize("who", ["requester", "org admin", "other lab manager", "stranger"])
def test_only_the_lab_records_results(who, settings):
    order = h.accepted()
    with pytest.raises(PermissionDenied):
        samples.sample_order_complete(order=order, by=h.person(who, order), results_file=h.upload())
    assert SampleOrder.objects.get().status == "accepted"
    assert h.stored_files(settings.MEDIA_ROOT) == []


def test_results_are_recorded_only_for_an_accepted_order(settings):
    order = h.order()
    with pytest.raises(TransitionNotAllowed):
        samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload())
    assert h.stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("报告.pdf", h.PDF), ("data.XLSX", h.xlsx()), ("data.csv", h.CSV), ("raw.zip", h.archive(["a.txt"])),
     ("spectrum.png", h.image("PNG")), ("photo.jpg", h.image("JPEG")), ("photo.jpeg", h.image("JPEG")),
     ("workbook.zip", h.xlsx()), ("gbk.csv", "样品,结果\n".encode("gb18030"))],
)  # fmt: skip
def test_each_allowed_kind_of_results_file_is_accepted(name, content):
    order = h.accepted()
    done = samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload(name, content))
    assert done.status == "completed"
    assert done.results.name.endswith(name.lower().rsplit(".", 1)[-1])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", h.EXE, RESULTS_NOT_WHAT_IT_SAYS),
        ("report.pdf", h.image("PNG"), RESULTS_NOT_WHAT_IT_SAYS),
        ("data.csv", h.EXE, RESULTS_NOT_WHAT_IT_SAYS),
        ("data.xlsx", h.archive(["a.txt"]), RESULTS_NOT_WHAT_IT_SAYS),
        ("photo.png", h.image("JPEG"), RESULTS_NOT_WHAT_IT_SAYS),
        ("data.zip", b"PK\x03\x04 but not an archive", RESULTS_NOT_WHAT_IT_SAYS),
        ("setup.exe", h.EXE, RESULTS_WRONG_TYPE),
        ("report.docx", h.archive(["word/document.xml"]), RESULTS_WRONG_TYPE),
        ("report", h.PDF, RESULTS_WRONG_TYPE),
        ("empty.pdf", b"", RESULTS_EMPTY),
    ],
)
def test_a_fake_or_unwanted_file_is_refused_and_nothing_is_written(name, content, message, settings):
    order = h.accepted()
    with pytest.raises(ValidationError) as error:
        samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload(name, content))
    [text] = messages(error, "results")
    assert text.startswith(str(message).split("%")[0].split("«")[0])
    order.refresh_from_db()
    assert (order.status, order.results.name, order.completed_at) == ("accepted", "", None)
    assert h.stored_files(settings.MEDIA_ROOT) == []


def test_a_renamed_program_is_named_in_the_message():
    order = h.accepted()
    with pytest.raises(ValidationError) as error:
        samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload("报告.pdf", h.EXE))
    assert messages(error, "results") == [
        "«报告.pdf» is not really a PDF file; upload the file itself, not a renamed one of another kind."
    ]


def test_an_oversize_file_is_refused(settings):
    settings.SAMPLE_RESULTS_MAX_BYTES = 2048
    order = h.accepted()
    with pytest.raises(ValidationError) as error:
        samples.sample_order_complete(
            order=order, by=h.manager_of(order), results_file=h.upload("big.pdf", h.PDF + b"0" * 4096)
        )
    assert messages(error, "results") == ["The file is 4.1\xa0KB; a results file may be at most 2.0\xa0KB."]
    assert h.stored_files(settings.MEDIA_ROOT) == []


def test_completing_without_a_file_says_so():
    order = h.accepted()
    with pytest.raises(ValidationError) as error:
        samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=None)
    assert messages(error, "results") == [str(RESULTS_REQUIRED)]


def test_a_failed_save_leaves_no_file_behind(monkeypatch, settings):
    order = h.accepted()
    manager = h.manager_of(order)

    def fail(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(SampleOrder, "save", fail)
    with pytest.raises(IntegrityError):
        samples.sample_order_complete(order=order, by=manager, results_file=h.upload())
    monkeypatch.undo()
    assert h.stored_files(settings.MEDIA_ROOT) == []
    assert SampleOrder.objects.get().status == "accepted"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("requester", True), ("org admin", True), ("manager", False), ("institution admin", False),
     ("colleague", False), ("stranger", False)],
)  # fmt: skip
def test_only_the_customer_confirms_the_results(who, allowed):
    order = h.completed()
    user = h.person(who, order)
    if allowed:
        assert samples.sample_order_confirm(order=order, by=user).confirmed_at is not None
    else:
        with pytest.raises(PermissionDenied):
            samples.sample_order_confirm(order=order, by=user)
        assert SampleOrder.objects.get().confirmed_at is None


def test_results_are_confirmed_once_and_only_after_completion():
    order = h.accepted()
    with pytest.raises(TransitionNotAllowed) as refused:
        samples.sample_order_confirm(order=order, by=order.requester)
    assert refused.value.message == str(samples.NOT_COMPLETED)
    done = samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload())
    first = samples.sample_order_confirm(order=done, by=order.requester).confirmed_at
    with pytest.raises(TransitionNotAllowed) as again:
        samples.sample_order_confirm(order=done, by=f.org_admin(order.organization))
    assert again.value.message.startswith("The results were confirmed already")
    assert SampleOrder.objects.get().confirmed_at == first


def test_every_change_hints_the_labs_inbox_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(live, "_send", lambda group, message: sent.append((group, message)))
    instrument = f.bookable()
    group = live.lab_group(instrument.lab_id)
    with django_capture_on_commit_callbacks(execute=True):
        order = h.order(instrument)
    with django_capture_on_commit_callbacks(execute=True):
        samples.sample_order_accept(order=order, by=h.manager_of(order))
    with django_capture_on_commit_callbacks(execute=True):
        samples.sample_order_complete(order=order, by=h.manager_of(order), results_file=h.upload())
    with django_capture_on_commit_callbacks(execute=True):
        samples.sample_order_confirm(order=order, by=order.requester)
    assert [(g, m["type"], m["status"]) for g, m in sent] == [
        (group, "sample_order.changed", status) for status in ("pending", "accepted", "completed", "completed")
    ]


def test_a_refused_change_sends_no_hint(monkeypatch, django_capture_on_commit_callbacks):
    order = h.order()
    sent = []
    monkeypatch.setattr(live, "_send", lambda group, message: sent.append(group))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        samples.sample_order_accept(order=order, by=order.requester)
    assert sent == []


def test_a_suspended_customer_cannot_order():
    import datetime as dt

    from django.utils import timezone

    instrument = f.bookable()
    customer = h.startup_user()
    for days in (20, 15, 10, 5):
        f.CreditMarkFactory(user=customer, organization=customer.organization, at=timezone.now() - dt.timedelta(days))
    with pytest.raises(ValidationError, match="bookings are suspended"):
        samples.sample_order_create(requester=customer, instrument=instrument, samples=1, description="XRD")
    assert not SampleOrder.objects.exists()
