"""Forms of the billing pages. They turn text into typed values; the rules are the services'
(billing.rates, billing.invoicing), whose field errors the views put back on these fields."""

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.widgets import DateInput
from billing.models import CustomerClass, Invoice, RateCard
from instruments.models import Instrument

BACKWARDS = _("The period must end after it starts.")
MONEY_WIDGET = {"step": "0.01", "min": "0", "inputmode": "decimal"}
PERCENT_WIDGET = {"step": "0.01", "min": "0", "max": "100", "inputmode": "decimal"}


def last_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    first_of_this = (today or timezone.localdate()).replace(day=1)
    return (first_of_this - dt.timedelta(days=1)).replace(day=1), first_of_this


class RateCardForm(forms.ModelForm):
    """The terms of a new card; billing.rates.rate_card_create checks them again, for every door."""

    class Meta:
        model = RateCard
        fields = [
            "valid_from", "unit", "basis", "price_internal", "price_academic", "price_enterprise",
            "sme_discount_percent", "assisted_extra", "minimum_charge", "increment_minutes", "setup_fee",
            "overtime_surcharge_percent", "no_show_fee", "late_cancel_fee",
        ]  # fmt: skip
        widgets = {
            "valid_from": DateInput(),
            "increment_minutes": forms.NumberInput(attrs={"min": 1, "max": 1440, "step": 1}),
            **{
                name: forms.NumberInput(attrs=PERCENT_WIDGET)
                for name in ("sme_discount_percent", "overtime_surcharge_percent")
            },
            **{
                name: forms.NumberInput(attrs=MONEY_WIDGET)
                for name in (
                    "price_internal", "price_academic", "price_enterprise", "assisted_extra", "minimum_charge",
                    "setup_fee", "no_show_fee", "late_cancel_fee",
                )
            },
        }  # fmt: skip

    def _post_clean(self) -> None:
        """The card is made by the service, which knows the instrument; nothing to check on
        an unsaved instance here."""


def _period_fields(form: forms.Form, *, required: bool) -> None:
    # `from` and `to` are Python keywords, hence the fields added by name (as on the
    # openness pages and in the REST API).
    date = {"widget": DateInput(), "required": required}
    form.fields["from"] = forms.DateField(label=_("From"), **date)
    form.fields["to"] = forms.DateField(
        label=_("To (not included)"), help_text=_("The day after the last day."), **date
    )


def _check_period(form: forms.Form, cleaned: dict) -> None:
    first, after = cleaned.get("from"), cleaned.get("to")
    if first and after and after <= first:
        form.add_error("to", BACKWARDS)


class ChargeFilterForm(forms.Form):
    SIDES = [("", _("All I may see")), ("provider", _("Made by us")), ("customer", _("To us"))]
    INVOICED = [("", _("Invoiced or not")), ("no", _("Not invoiced yet")), ("yes", _("Invoiced"))]

    side = forms.ChoiceField(label=_("Whose"), choices=SIDES, required=False)
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.none(), required=False)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Organization.objects.none(), required=False)
    invoiced = forms.ChoiceField(label=_("Invoice"), choices=INVOICED, required=False)
    customer_class = forms.ChoiceField(
        label=_("Customer class"), choices=[("", _("All classes")), *CustomerClass.choices], required=False
    )
    cost_centre = forms.CharField(label=_("Grant or cost centre"), max_length=64, required=False)

    def __init__(self, data=None, *, instruments: QuerySet, customers: QuerySet, **kwargs) -> None:
        super().__init__(data, **kwargs)
        _period_fields(self, required=False)
        self.order_fields(["side", "from", "to"])
        self.fields["instrument"].queryset = instruments
        self.fields["customer"].queryset = customers

    def clean(self) -> dict:
        cleaned = super().clean()
        _check_period(self, cleaned)
        return cleaned


class InvoiceFilterForm(forms.Form):
    SIDES = [("", _("All")), ("provider", _("We bill")), ("customer", _("We are billed"))]

    side = forms.ChoiceField(label=_("Whose"), choices=SIDES, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *Invoice.Status.choices], required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class DraftForm(forms.Form):
    """A provider's uninvoiced charges to one customer over a period, gathered into a draft."""

    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organization.objects.none())
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Organization.objects.none())

    def __init__(self, data=None, *, providers: QuerySet, customers: QuerySet, **kwargs) -> None:
        first, after = last_month()
        kwargs.setdefault("initial", {"from": first, "to": after})
        super().__init__(data, **kwargs)
        _period_fields(self, required=True)
        self.fields["provider"].queryset = providers
        self.fields["customer"].queryset = customers
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0]
            self.fields["provider"].widget = forms.HiddenInput()


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False,
        help_text=_("The customer sees it on the credit note."),
    )  # fmt: skip


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=80, required=False)
    paid_on = forms.DateField(label=_("Date received"), widget=DateInput())
    amount = forms.CharField(
        label=_("Amount (CNY)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
