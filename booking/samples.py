"""Writes to sample orders (委托测试): a customer orders N samples tested on an instrument;
the lab accepts or rejects, records the results and completes the order; the customer
confirms the results. Pages, the API and the admin all go through these functions."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from booking import live
from booking.models import BookingPolicy, SampleOrder
from booking.policy import BookingRequest, Problem, local_time, rules
from booking.sample_files import results_clean
from booking.selectors import can_confirm_sample_order
from booking.services import REASON_REQUIRED, TransitionNotAllowed
from instruments.models import Instrument
from instruments.permissions import can_manage_lab

Status = SampleOrder.Status
MAX_SAMPLES = 1000
MAX_TEXT = 2000
MAX_COST_CENTRE = SampleOrder._meta.get_field("cost_centre").max_length or 64

SAMPLES_NOT_WHOLE = _("Give the number of samples as a whole number from 1 to %(max)d.")
SAMPLES_TOO_MANY = _("At most %(max)d samples per order; split a larger batch into several orders.")
DESCRIPTION_REQUIRED = _("Describe the samples and the tests you want.")
TEXT_TOO_LONG = _("At most %(max)d characters.")
DECIDE_DENIED = _("Only the instrument's lab managers decide on its sample orders.")
COMPLETE_DENIED = _("Only the instrument's lab managers record the results of its sample orders.")
CANCEL_DENIED = _("Only the customer who ordered or the instrument's lab managers may cancel this sample order.")
CONFIRM_DENIED = _("Only the customer who ordered, or their organization's admin, confirms the results.")
DOWNLOAD_DENIED = _("Only the customer and the instrument's lab managers may download the results.")
WRONG_STATUS = _("This sample order is %(status)s; it cannot be %(action)s.")
ALREADY_CONFIRMED = _("The results were confirmed already (%(when)s).")
NOT_COMPLETED = _("The results can be confirmed once the lab has completed the order.")

# Every status change of a sample order, and none other. A customer may cancel an accepted
# order too: nothing records that the lab has begun the work (the lab may refuse by phone).
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.ACCEPTED, Status.REJECTED, Status.CANCELLED},
    Status.ACCEPTED: {Status.COMPLETED, Status.CANCELLED},
}
ACTIONS = {
    Status.ACCEPTED: _("accepted"), Status.REJECTED: _("rejected"), Status.CANCELLED: _("cancelled"),
    Status.COMPLETED: _("completed"),
}  # fmt: skip


def _formatted(message, **params) -> str:
    """A message with its numbers filled in, still translated when it is shown."""
    return lazy(lambda: str(message) % params, str)()


# Error messages of the `samples` field at the edges (forms, serializers): the same words
# as the service's, for a value that is not a whole number in range.
SAMPLES_FIELD_ERRORS = {
    "invalid": _formatted(SAMPLES_NOT_WHOLE, max=MAX_SAMPLES),
    "required": _formatted(SAMPLES_NOT_WHOLE, max=MAX_SAMPLES),
    "null": _formatted(SAMPLES_NOT_WHOLE, max=MAX_SAMPLES),
    "min_value": _formatted(SAMPLES_NOT_WHOLE, max=MAX_SAMPLES),
    "max_value": _formatted(SAMPLES_TOO_MANY, max=MAX_SAMPLES),
}


def sample_order_create(
    *, requester: User, instrument: Instrument, samples: int, description: str, cost_centre: str = ""
) -> SampleOrder:
    errors: dict[str, list] = {}
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        errors["samples"] = [ValidationError(SAMPLES_NOT_WHOLE, params={"max": MAX_SAMPLES})]
    elif samples > MAX_SAMPLES:
        errors["samples"] = [ValidationError(SAMPLES_TOO_MANY, params={"max": MAX_SAMPLES})]
    description = (description or "").strip()
    if not description:
        errors["description"] = [ValidationError(DESCRIPTION_REQUIRED)]
    elif len(description) > MAX_TEXT:
        errors["description"] = [ValidationError(TEXT_TOO_LONG, params={"max": MAX_TEXT})]
    cost_centre = (cost_centre or "").strip()
    if len(cost_centre) > MAX_COST_CENTRE:
        errors["cost_centre"] = [ValidationError(TEXT_TOO_LONG, params={"max": MAX_COST_CENTRE})]
    for problem in who_may_order(requester=requester, instrument=instrument):
        errors.setdefault(problem.field, []).append(ValidationError(problem.message))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = SampleOrder.objects.create(
            instrument=instrument, requester=requester, organization_id=requester.organization_id,
            is_external=requester.organization_id != instrument.institution_id, samples=samples,
            description=description, cost_centre=cost_centre,
        )  # fmt: skip
        transaction.on_commit(lambda: live.sample_order_changed(order))
    return order


def who_may_order(*, requester: User, instrument: Instrument) -> list[Problem]:
    """The booking rules about the instrument and the person (open for service, shared
    with them, their organization, training, their credit), without the ones about time.

    Uses the configured rules object (settings.BOOKING_RULES) so a deployment's stricter
    rules hold here too.
    """
    policy = BookingPolicy.objects.filter(instrument=instrument).first()
    now = timezone.now()
    request = BookingRequest(instrument=instrument, requester=requester, start=now, end=now)
    return rules(now=now).who_problems(request, policy)


def sample_order_accept(*, order: SampleOrder, by: User) -> SampleOrder:
    _require_manager(by, order, DECIDE_DENIED)
    return _transition(order, Status.ACCEPTED, by=by)


def sample_order_reject(*, order: SampleOrder, by: User, reason: str) -> SampleOrder:
    _require_manager(by, order, DECIDE_DENIED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return _transition(order, Status.REJECTED, by=by, reason=reason[:MAX_TEXT])


def sample_order_cancel(*, order: SampleOrder, by: User, reason: str = "") -> SampleOrder:
    if not (can_manage_lab(by, order.instrument.lab) or order.requester_id == by.pk):
        raise PermissionDenied(CANCEL_DENIED)
    return _transition(order, Status.CANCELLED, by=by, reason=(reason or "").strip()[:MAX_TEXT])


def sample_order_complete(*, order: SampleOrder, by: User, results_file, note: str = "") -> SampleOrder:
    """Record the results file and complete an accepted order. The file is checked before
    anything is written; a failed save deletes the file it wrote."""
    _require_manager(by, order, COMPLETE_DENIED)
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": ValidationError(TEXT_TOO_LONG, params={"max": MAX_TEXT})})
    results = results_clean(results_file)
    written: list[str] = []

    def attach(locked: SampleOrder) -> list[str]:
        locked.results.save(results.name, results.upload, save=False)
        written.append(locked.results.name)
        locked.results_note = note
        return ["results", "results_note"]

    try:
        return _transition(order, Status.COMPLETED, by=by, change=attach)
    except BaseException:
        # The file is written before the row; remove it so a failed save leaves nothing behind.
        for name in written:
            order.results.storage.delete(name)
        raise


def sample_order_confirm(*, order: SampleOrder, by: User) -> SampleOrder:
    """The customer confirms the results: only then may a voucher pay for the order."""
    if not can_confirm_sample_order(by, order):
        raise PermissionDenied(CONFIRM_DENIED)
    with transaction.atomic():
        # Lock the row: two confirmations (the requester and their admin) must not both count.
        locked = _locked(order)
        if locked.status != Status.COMPLETED:
            raise TransitionNotAllowed(str(NOT_COMPLETED))
        if locked.confirmed_at is not None:
            raise TransitionNotAllowed(ALREADY_CONFIRMED % {"when": local_time(locked.confirmed_at)})
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        transaction.on_commit(lambda: live.sample_order_changed(locked))
    return locked


def _transition(
    order: SampleOrder,
    to: str,
    *,
    by: User | None,
    reason: str = "",
    change: Callable[[SampleOrder], list[str]] | None = None,
    now: dt.datetime | None = None,
) -> SampleOrder:
    with transaction.atomic():
        # Lock the row: an acceptance and a cancellation (or two managers) racing on one
        # order must not both succeed.
        locked = _locked(order)
        if to not in TRANSITIONS.get(locked.status, set()):
            raise TransitionNotAllowed(
                WRONG_STATUS % {"status": locked.get_status_display(), "action": ACTIONS.get(to, to)}
            )
        now = now or timezone.now()
        locked.status, locked.status_reason = to, reason
        fields = ["status", "status_reason"]
        if to in (Status.ACCEPTED, Status.REJECTED):
            locked.decided_at = now
            fields.append("decided_at")
        elif to == Status.COMPLETED:
            locked.completed_at = now
            fields.append("completed_at")
        if change is not None:
            fields += change(locked)
        locked.save(update_fields=fields)
        transaction.on_commit(lambda: live.sample_order_changed(locked))
    return locked


def _locked(order: SampleOrder) -> SampleOrder:
    # of=("self",): lock the order only, not its instrument and lab rows joined for reading.
    return (
        SampleOrder.objects.select_for_update(of=("self",))
        .select_related("instrument__lab__institution", "organization", "requester")
        .get(pk=order.pk)
    )


def _require_manager(by: User, order: SampleOrder, message) -> None:
    if not can_manage_lab(by, order.instrument.lab):
        raise PermissionDenied(message)
