"""The admin is one more door: it goes through the services, with their checks, or only
shows. A platform admin posting to the admin's add, change and delete pages changes
nothing the services would refuse."""

import io
import os

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from billing import charges
from booking.models import Reservation
from instruments import services as instrument_services
from instruments.models import Instrument, Lab
from telemetry import services as telemetry_services
from telemetry.models import Binding, Gateway, UsageSession
from tests import factories as f
from tests.billing.helpers import rate_card, settled
from tests.booking.helpers import book

pytestmark = pytest.mark.django_db


def url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def posted(page) -> dict:
    """The change form of an admin page as a browser sends it back unchanged."""
    data: dict = {}
    shown = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        shown += [inline.formset.management_form, *inline.formset.forms]
    for form in shown:
        for field in form:
            value = field.value()
            if isinstance(field.field, forms.SplitDateTimeField):
                data[f"{field.html_name}_0"], data[f"{field.html_name}_1"] = (
                    (value.date().isoformat(), value.time().isoformat()) if value else ("", "")
                )
            elif isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif value is not None:
                data[field.html_name] = value
    return data


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def test_lab_managers_are_named_through_the_service(admin_client):
    lab = f.LabFactory()
    manager, colleague = f.lab_manager(lab), f.UserFactory(organization=lab.institution)
    outsider = f.UserFactory()  # of another institution
    data = posted(admin_client.get(url(Lab, "change", lab.pk)))

    refused = admin_client.post(url(Lab, "change", lab.pk), {**data, "managers": [manager.pk, outsider.pk]})
    assert refused.status_code == 200
    assert str(instrument_services.MANAGER_NOT_MEMBER) in refused.content.decode()
    assert list(lab.managers.all()) == [manager]

    assert admin_client.post(url(Lab, "change", lab.pk), {**data, "managers": [colleague.pk]}).status_code == 302
    assert list(lab.managers.all()) == [colleague]


def test_a_lab_stays_with_its_institution(admin_client):
    lab = f.LabFactory()
    data = posted(admin_client.get(url(Lab, "change", lab.pk)))
    page = admin_client.post(
        url(Lab, "change", lab.pk), {**data, "institution": f.OrganizationFactory().pk, "name_zh": "新名"}
    )
    assert page.status_code == 302
    saved = Lab.objects.get(pk=lab.pk)
    assert (saved.institution_id, saved.name_zh) == (lab.institution_id, "新名")  # renamed, not moved
    assert admin_client.get(url(Lab, "delete", lab.pk)).status_code == 403


def test_a_lab_code_taken_at_its_institution_is_refused(admin_client):
    lab = f.LabFactory()
    f.LabFactory(institution=lab.institution, code="taken")
    data = posted(admin_client.get(url(Lab, "change", lab.pk)))
    assert admin_client.post(url(Lab, "change", lab.pk), {**data, "code": "taken"}).status_code == 200
    assert Lab.objects.get(pk=lab.pk).code == lab.code


def test_a_lab_is_created_only_for_an_institution_that_may_own_one(admin_client):
    regulator = f.OrganizationFactory(kind="regulator")
    page = admin_client.post(url(Lab, "add"), {"institution": regulator.pk, "code": "lab-x", "name_zh": "实验室"})
    assert page.status_code == 200
    assert not Lab.objects.filter(code="lab-x").exists()
    assert (
        admin_client.post(
            url(Lab, "add"), {"institution": f.OrganizationFactory().pk, "code": "lab-y", "name_zh": "实验室"}
        ).status_code
        == 302
    )
    assert Lab.objects.filter(code="lab-y").exists()


def test_an_instrument_cannot_be_bound_to_a_revoked_gateway(admin_client):
    instrument = f.InstrumentFactory()
    gateway = f.GatewayFactory(lab=instrument.lab)
    telemetry_services.gateway_revoke(gateway=gateway, by=None)
    page = admin_client.post(url(Binding, "add"), {"instrument": instrument.pk, "gateway": gateway.pk})
    assert page.status_code == 200
    assert not Binding.objects.exists()

    live = f.GatewayFactory(lab=instrument.lab)
    assert admin_client.post(url(Binding, "add"), {"instrument": instrument.pk, "gateway": live.pk}).status_code == 302
    assert Binding.objects.get().gateway == live


def test_a_binding_is_removed_through_the_service(admin_client):
    binding = f.BindingFactory()
    assert admin_client.post(url(Binding, "delete", binding.pk), {"post": "yes"}).status_code == 302
    assert not Binding.objects.exists()


def test_a_gateway_is_revoked_only_through_the_service_which_unbinds(admin_client):
    binding = f.BindingFactory()
    gateway = binding.gateway
    data = posted(admin_client.get(url(Gateway, "change", gateway.pk)))
    admin_client.post(
        url(Gateway, "change", gateway.pk), {**data, "revoked_at_0": "2026-01-01", "revoked_at_1": "0:00"}
    )
    gateway.refresh_from_db()
    assert gateway.revoked_at is None and Binding.objects.filter(gateway=gateway).exists()
    assert admin_client.get(url(Gateway, "delete", gateway.pk)).status_code == 403

    admin_client.post(url(Gateway, "changelist"), {"action": "revoke", "_selected_action": [gateway.pk]})
    gateway.refresh_from_db()
    assert gateway.revoked_at is not None
    assert not Binding.objects.filter(gateway=gateway).exists()


def test_measured_sessions_are_read_only(admin_client):
    session = f.UsageSessionFactory()
    end = session.end
    assert admin_client.get(url(UsageSession, "change", session.pk)).status_code == 200  # shown
    page = admin_client.post(url(UsageSession, "change", session.pk), {"end_0": "2030-01-01", "end_1": "0:00"})
    assert page.status_code == 403
    assert admin_client.post(url(UsageSession, "delete", session.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(url(UsageSession, "add")).status_code == 403
    session.refresh_from_db()
    assert session.end == end


def test_booking_policies_are_read_only(admin_client):
    instrument = f.bookable()
    policy = instrument.policy
    assert admin_client.get(url(type(policy), "change", policy.pk)).status_code == 200
    page = admin_client.post(url(type(policy), "change", policy.pk), {"min_minutes": 1, "max_minutes": 99999})
    assert page.status_code == 403
    policy.refresh_from_db()
    assert (policy.min_minutes, policy.max_minutes) == (30, 480)


def test_reservations_are_cancelled_through_the_service_never_deleted(admin_client):
    reservation = book(f.bookable())
    assert admin_client.post(url(Reservation, "delete", reservation.pk), {"post": "yes"}).status_code == 403
    admin_client.post(
        url(Reservation, "changelist"), {"action": "delete_selected", "_selected_action": [reservation.pk]}
    )
    assert Reservation.objects.filter(pk=reservation.pk).exists()

    admin_client.post(url(Reservation, "changelist"), {"action": "cancel", "_selected_action": [reservation.pk]})
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert reservation.history.filter(to_status=Reservation.Status.CANCELLED).exists()  # the service's history


@pytest.mark.parametrize(
    "label",
    [
        "billing.Charge", "billing.Invoice", "billing.Payment", "billing.LedgerEntry", "billing.VoucherGrant",
        "billing.VoucherPayment", "billing.RateCard", "openness.Flag", "openness.EvaluationRound",
        "telemetry.ReportingGap", "telemetry.InstrumentStatus", "telemetry.GatewayStatus", "telemetry.DeadLetter",
        "telemetry.Counter", "telemetry.Acknowledged", "booking.Notification", "booking.SampleOrder",
    ],
)  # fmt: skip
def test_rows_with_invariants_cannot_be_added_changed_or_deleted(admin_client, label):
    from django.apps import apps
    from django.contrib import admin

    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    request = admin_client.get(url(model, "changelist")).wsgi_request
    assert admin_client.get(url(model, "changelist")).status_code == 200  # still listed
    assert admin_client.get(url(model, "add")).status_code == 403
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_charge_posted_to_the_admin_stays_as_it_was(admin_client):
    instrument = f.InstrumentFactory()
    rate_card(instrument)
    charge = charges.charge_reservation(settled(instrument))
    net = charge.net
    assert admin_client.post(url(type(charge), "change", charge.pk), {"net": "0"}).status_code == 403
    assert admin_client.post(url(type(charge), "delete", charge.pk), {"post": "yes"}).status_code == 403
    charge.refresh_from_db()
    assert charge.net == net


def test_a_photo_deleted_in_the_admin_leaves_storage(admin_client, django_capture_on_commit_callbacks):
    instrument = f.InstrumentFactory()
    photo = instrument_services.instrument_photo_add(instrument=instrument, upload=jpeg(), by=None)
    kept = instrument_services.instrument_photo_add(instrument=instrument, upload=jpeg(), by=None)
    paths = [photo.image.path, photo.thumbnail.path]
    data = posted(admin_client.get(url(Instrument, "change", instrument.pk)))
    row = next(key[: -len("-id")] for key, value in data.items() if key.endswith("-id") and value == photo.pk)
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(url(Instrument, "change", instrument.pk), {**data, f"{row}-DELETE": "on"})
    assert page.status_code == 302
    assert list(instrument.photos.all()) == [kept]
    assert not any(os.path.exists(p) for p in paths)
    assert os.path.exists(kept.image.path)


def test_an_instrument_deleted_in_the_admin_takes_its_photo_files(admin_client, django_capture_on_commit_callbacks):
    instrument = f.InstrumentFactory()
    photo = instrument_services.instrument_photo_add(instrument=instrument, upload=jpeg(), by=None)
    paths = [photo.image.path, photo.thumbnail.path]
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(url(Instrument, "delete", instrument.pk), {"post": "yes"})
    assert page.status_code == 302
    assert not Instrument.objects.filter(pk=instrument.pk).exists()
    assert not any(os.path.exists(p) for p in paths)


def test_a_rolled_back_photo_deletion_keeps_the_files(django_capture_on_commit_callbacks):
    from django.db import transaction

    instrument = f.InstrumentFactory()
    photo = instrument_services.instrument_photo_add(instrument=instrument, upload=jpeg(), by=None)

    def delete_then_fail() -> None:
        with transaction.atomic():
            instrument_services.instrument_photo_delete(photo=photo, by=None)
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        delete_then_fail()
    assert callbacks == [] and os.path.exists(photo.image.path)


def test_a_lab_manager_keeps_their_institution_while_managing_its_labs(admin_client):
    manager = f.lab_manager()
    data = posted(admin_client.get(url(User, "change", manager.pk)))
    page = admin_client.post(url(User, "change", manager.pk), {**data, "organization": f.OrganizationFactory().pk})
    assert page.status_code == 200
    manager.refresh_from_db()
    assert manager.organization == manager.managed_labs.get().institution
