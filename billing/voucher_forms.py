"""Forms of the voucher pages. They check the shape of the input; the rules (caps, budget,
eligibility) are checked by billing.vouchers, whose errors land on the same fields."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.permissions import regions_in
from accounts.validators import validate_credit_code
from accounts.widgets import DateInput
from billing.models import VoucherGrant, VoucherProgramme

CENT = Decimal("0.01")
DATES_ORDER = _("The programme must end on or after the day it starts.")
PERIOD_ORDER = _("The period must end after it starts.")
MONEY_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": CENT}


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field if the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.code} {obj.name}"


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = VoucherProgramme
        fields = [
            "name", "year", "budget", "customer_region", "provider_region", "share_percent",
            "startup_share_percent", "cap_per_enterprise", "valid_from", "valid_until",
        ]  # fmt: skip
        field_classes = {"customer_region": RegionChoiceField, "provider_region": RegionChoiceField}
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}

    def __init__(self, *args, scope: Region, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("customer_region", "provider_region"):
            self.fields[name].queryset = regions_in(scope)
            self.fields[name].initial = scope.pk
        for name in ("budget", "cap_per_enterprise"):
            self.fields[name].validators.append(MinValueValidator(CENT))
            self.fields[name].widget.attrs["min"] = CENT
        for name in ("share_percent", "startup_share_percent"):
            self.fields[name].validators += [MinValueValidator(0), MaxValueValidator(100)]
            self.fields[name].widget.attrs.update(min=0, max=100)
        self.fields["year"].validators.append(MinValueValidator(2000))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", DATES_ORDER)
        return data

    def _post_clean(self) -> None:
        # The service validates the whole programme (it sets the regulator); validating the
        # unfinished instance here would report the checks above a second time, in raw words.
        pass


class ApplyForm(forms.Form):
    size = forms.ChoiceField(label=_("Declared size"), choices=VoucherGrant.Size.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, validators=[validate_credit_code],
        help_text=_("Your organization's code, as on its business licence."),
    )  # fmt: skip
    requested = forms.DecimalField(label=_("Amount asked for (CNY)"), **MONEY_FIELD)
    purpose = forms.CharField(
        label=_("What the vouchers are for"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which instruments or tests, and for which project."),
    )  # fmt: skip

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()


class GrantDecideForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to grant (CNY)"), required=False, **MONEY_FIELD)
    reason = forms.CharField(
        label=_("Reason for refusing"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClaimForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=VoucherProgramme.objects.none())
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(
        label=_("Until"), widget=DateInput(), help_text=_("Exclusive: the first day not claimed.")
    )

    def __init__(self, *args, programmes: QuerySet[VoucherProgramme], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end <= start:
            self.add_error("period_end", PERIOD_ORDER)
        return data


class ClaimLineDecideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=2000, required=False)


class ClaimPaidForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=80)
