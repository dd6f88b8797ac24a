from django import forms
from django.utils.translation import gettext_lazy as _

from instruments.models import Instrument, Lab


class GatewayForm(forms.Form):
    lab = forms.ModelChoiceField(label=_("Lab"), queryset=Lab.objects.none())
    code = forms.SlugField(
        label=_("Gateway id"), max_length=64, help_text=_("Also its MQTT user name, e.g. gw-nju-ac-01.")
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    heartbeat_seconds = forms.IntegerField(label=_("Heartbeat (seconds)"), min_value=5, max_value=3600, initial=60)

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs


class BindForm(forms.Form):
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.none())

    def __init__(self, *args, instruments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments
