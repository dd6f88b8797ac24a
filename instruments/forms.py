from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.widgets import DateInput
from instruments.models import Instrument, Lab
from instruments.services import EDITABLE_FIELDS


class InstrumentForm(forms.ModelForm):
    lab = forms.ModelChoiceField(queryset=Lab.objects.none(), label=_("Lab"))
    service_url = forms.URLField(label=_("service web page"), required=False, assume_scheme="https")

    class Meta:
        model = Instrument
        fields = ["lab", *EDITABLE_FIELDS]
        widgets = {
            "in_service_date": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in ("technical", "function", "service_content", "requirement")
            },
        }

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs
        self.fields["region"].queryset = Region.objects.all()
        self.fields["region"].required = False
        self.fields["region"].help_text = _("Leave empty to use the institution's region.")

    def _post_clean(self):
        # Validation of the whole record is the service's job (it knows the institution);
        # the form only checks its fields.
        pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class PhotoUploadForm(forms.Form):
    photos = MultipleFileField(label=_("Photos"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("JPEG, PNG or WebP, at most %(mb)d MB each.") % {
            "mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    lab = forms.ModelChoiceField(
        queryset=Lab.objects.none(),
        label=_("Lab"),
        required=False,
        help_text=_("For rows without a labCode column."),
    )
    skip_invalid = forms.BooleanField(label=_("Import the valid rows even if some rows have problems"), required=False)

    def __init__(self, *args, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class LabForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)


class LabManagersForm(forms.Form):
    managers = forms.ModelMultipleChoiceField(
        label=_("Lab managers"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = members
