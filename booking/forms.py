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
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = BookingPolicy
        fields = [*POLICY_FIELDS, "allowed_organizations", "trained_users", "auto_approve_users",
                  "auto_approve_organizations"]  # fmt: skip
        widgets = {
            name: forms.SelectMultiple(attrs={"size": 6})
            for name in ("allowed_organizations", "trained_users", "auto_approve_users", "auto_approve_organizations")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = Organization.objects.exclude(kind=Organization.Kind.REGULATOR).order_by("name_zh")
        users = User.objects.filter(is_active=True, organization__isnull=False).order_by("username")
        for name in ("allowed_organizations", "auto_approve_organizations"):
            self.fields[name].queryset = organizations
        for name in ("trained_users", "auto_approve_users"):
            self.fields[name].queryset = users


class OpeningWindowForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.TimeField(label=_("Opens"), widget=TimeInput())
    closes = forms.TimeField(label=_("Closes"), widget=TimeInput())


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
