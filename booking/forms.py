import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from accounts.widgets import DateInput, DateTimeInput, TimeInput
from booking.models import BookingPolicy, Reservation
from booking.policies import POLICY_FIELDS
from booking.samples import DESCRIPTION_REQUIRED, MAX_COST_CENTRE, MAX_SAMPLES, MAX_TEXT, SAMPLES_FIELD_ERRORS
from booking.schedules import CLOSURE_REPEATS, WEEKDAYS
from booking.services import REASON_REQUIRED
from booking.widgets import SearchSelectMultiple
from instruments.models import Instrument


class ReservationForm(forms.Form):
    """A booking request: a day, a start and an end time (Beijing time), and what for."""

    day = forms.DateField(label=_("Day"), widget=DateInput())
    start_time = forms.TimeField(label=_("From"), widget=TimeInput(attrs={"step": 900}))
    end_time = forms.TimeField(label=_("Until"), widget=TimeInput(attrs={"step": 900}))
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    sample_description = forms.CharField(
        label=_("Samples"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False,
        help_text=_("Number, material, size, hazards."),
    )  # fmt: skip
    service_way = forms.ChoiceField(label=_("Service way"), choices=Reservation.ServiceWay.choices)
    cost_centre = forms.CharField(
        label=_("Grant or cost centre (经费卡号)"), max_length=64, required=False,
        help_text=_("Members of the instrument's institution: the account your use is charged to."),
    )  # fmt: skip

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["day"]
        start = dt.datetime.combine(day, self.cleaned_data["start_time"], tz)
        end = dt.datetime.combine(day, self.cleaned_data["end_time"], tz)
        return start, end


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        error_messages={"required": REASON_REQUIRED},
    )  # fmt: skip


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the requester (optional)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        required=False, help_text=_("E.g. where to meet the operator, or how to prepare the samples."),
    )  # fmt: skip


class ManagerCancelForm(forms.Form):
    """A lab manager cancelling someone's booking: the requester is told why."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        error_messages={"required": REASON_REQUIRED},
    )  # fmt: skip


class InboxFilterForm(forms.Form):
    """Which waiting requests the inbox shows: of one instrument, starting within some days."""

    instrument = forms.ModelChoiceField(
        label=_("Instrument"), queryset=Instrument.objects.none(), to_field_name="code", required=False,
        empty_label=_("All instruments"),
    )  # fmt: skip

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments
        # "from" is a Python keyword, so the two dates are added by name.
        self.fields["from"] = forms.DateField(label=_("Starting from"), required=False, widget=DateInput())
        self.fields["to"] = forms.DateField(label=_("Starting until"), required=False, widget=DateInput())

    def filters(self) -> dict:
        """The valid filters, for booking.selectors.inbox_filtered; an invalid one is left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {"instrument": data.get("instrument"), "first_day": data.get("from"), "last_day": data.get("to")}


def person_label(user: User) -> str:
    organization = user.organization.name if user.organization_id else ""
    return f"{user.display_name} ({user.username}) · {organization}"


class PolicyForm(forms.ModelForm):
    """The rules a lab manager sets. People and organizations are chosen by searching
    (booking.widgets.SearchSelectMultiple at `search_url`), never from a list of everyone."""

    PEOPLE = ("trained_users", "auto_approve_users")
    ORGANIZATIONS = ("allowed_organizations", "auto_approve_organizations")

    class Meta:
        model = BookingPolicy
        fields = [*POLICY_FIELDS, "allowed_organizations", "trained_users", "auto_approve_users",
                  "auto_approve_organizations"]  # fmt: skip

    def __init__(self, *args, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        organizations = Organization.objects.exclude(kind=Organization.Kind.REGULATOR)
        users = User.objects.filter(is_active=True, organization__isnull=False).select_related("organization")
        for names, queryset, kind, label, hint in (
            (self.ORGANIZATIONS, organizations, "organizations", str, _("Type part of a name or code…")),
            (self.PEOPLE, users, "users", person_label, _("Type part of a name, a user name or an organization…")),
        ):
            for name in names:
                self.fields[name].queryset = queryset
                self.fields[name].widget = SearchSelectMultiple(
                    label=label, attrs={"data_search": f"{search_url}?kind={kind}", "placeholder": hint}
                )
                self.fields[name].widget.choices = self.fields[name].choices


class RulesTextForm(forms.Form):
    requirement = forms.CharField(
        label=_("Other conditions, in your words"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        max_length=2000,
        help_text=_("E.g. training, sample preparation, safety. Notice, length, cancellation and approval are "
                    "enforced as the rules say, in those words: do not restate them here."),
    )  # fmt: skip


class OpeningWindowForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.TimeField(label=_("Opens"), widget=TimeInput())
    closes = forms.TimeField(
        label=_("Closes"), widget=TimeInput(), help_text=_("00:00 means until midnight; consecutive days then join.")
    )


class ClosureForm(forms.Form):
    start = forms.DateTimeField(label=_("From"), widget=DateTimeInput())
    end = forms.DateTimeField(label=_("Until"), widget=DateTimeInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)
    repeat = forms.ChoiceField(label=_("Repeats"), choices=CLOSURE_REPEATS, required=False)
    until = forms.DateField(label=_("Repeats until"), required=False, widget=DateInput())


class SampleOrderForm(forms.Form):
    """An order for sample testing (委托测试); the service checks it again, for every door."""

    samples = forms.IntegerField(
        label=_("Number of samples"), min_value=1, max_value=MAX_SAMPLES, error_messages=SAMPLES_FIELD_ERRORS,
        widget=forms.NumberInput(attrs={"step": 1, "min": 1, "max": MAX_SAMPLES}),
    )  # fmt: skip
    description = forms.CharField(
        label=_("Samples and tests wanted"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_TEXT,
        error_messages={"required": DESCRIPTION_REQUIRED},
        help_text=_("Material, size, preparation, hazards; which measurements and conditions."),
    )  # fmt: skip
    cost_centre = forms.CharField(
        label=_("Grant or cost centre (经费卡号)"), max_length=MAX_COST_CENTRE, required=False,
        help_text=_("For members of the instrument's institution."),
    )  # fmt: skip


class SampleCompleteForm(forms.Form):
    results = forms.FileField(
        label=_("Results file"), help_text=_("PDF, Excel (.xlsx), CSV, ZIP, PNG or JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xlsx,.csv,.zip,.png,.jpg,.jpeg"}),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note to the customer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT, required=False
    )
