"""The forms of the evaluation-round pages: a new round, and a round's weights, curves and
cut-offs. They only read what was typed; whether a config makes sense is decided by
openness.services.round_update (through openness.scoring), whose messages are put back
beside the field they are about."""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.permissions import regions_in
from openness import scoring
from openness.periods import PeriodForm

GRADE_KEYS = ("excellent", "good", "pass")
# A curve is typed as "input:points" pairs: "0:0; 0.07:30; 0.3:100". Chinese punctuation
# is taken too, as an input method gives it.
PAIRS = re.compile(r"[;；,，]")
PAIR = re.compile(r"[:：=→]")
CURVE_HELP = _("Pairs of input:points, separated by semicolons, inputs increasing, points 0–100.")


class RegionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        # Indented by level, so that a city's counties read as being inside it.
        return "\u3000" * (obj.level - 1) + f"{obj.name} ({obj.code})"


class RoundForm(PeriodForm):
    """Name, period [from, to) and region of a new round, inside the regulator's region."""

    def __init__(self, data=None, *, region: Region, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["name"] = forms.CharField(
            label=_("Name"),
            max_length=200,
            widget=forms.TextInput(attrs={"placeholder": _("e.g. 2025 annual evaluation")}),
        )
        self.fields["region"] = RegionChoice(
            label=_("Region"), queryset=regions_in(region), initial=region, empty_label=None,
            help_text=_("Every institution with in-scope instruments in this region is evaluated."),
        )  # fmt: skip
        self.order_fields(["name", "from", "to", "region"])


def curve_text(curve: list) -> str:
    return "; ".join(f"{x}:{y}" for x, y in curve)


def curve_parse(text: str) -> list[list[str]]:
    """The pairs as typed; a pair that is not two numbers is passed on for the service to
    refuse by its own rule."""
    return [[part.strip() for part in PAIR.split(pair)] for pair in PAIRS.split(text) if pair.strip()]


def weight_parse(text: str) -> Any:
    # Whole numbers are stored as the defaults store them, so that an unchanged
    # config still reads as the defaults.
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else text


class ConfigForm(forms.Form):
    """The name, and per indicator a weight and a curve; then the grade cut-offs."""

    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, data=None, *, evaluation, **kwargs) -> None:
        config = evaluation.config
        initial = {"name": evaluation.name}
        for key, spec in config["indicators"].items():
            initial[f"weight-{key}"] = str(spec["weight"])
            initial[f"curve-{key}"] = curve_text(spec["curve"])
        for key in GRADE_KEYS:
            initial[f"grade-{key}"] = str(config["grades"][key])
        super().__init__(data, initial=initial, **kwargs)
        for key in scoring.INDICATORS:
            self.fields[f"weight-{key}"] = forms.CharField(
                label=_("Weight"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5})
            )
            self.fields[f"curve-{key}"] = forms.CharField(
                label=_("Curve"), required=False, help_text=CURVE_HELP, widget=forms.TextInput(attrs={"size": 30})
            )
        for key in GRADE_KEYS:
            self.fields[f"grade-{key}"] = forms.CharField(
                label=scoring.GRADES[key],
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
            )
        self.grade_errors: list[str] = []

    def config(self) -> dict:
        data = self.cleaned_data
        return {
            "indicators": {
                key: {"weight": weight_parse(data[f"weight-{key}"]), "curve": curve_parse(data[f"curve-{key}"])}
                for key in scoring.INDICATORS
            },
            "grades": {key: data[f"grade-{key}"].strip() for key in GRADE_KEYS},
        }

    def service_errors(self, error: ValidationError) -> None:
        """Put each of round_update's messages beside the field it is about."""
        by_message = {}
        for key in scoring.INDICATORS:
            by_message[str(scoring.BAD_WEIGHT % {"key": key})] = f"weight-{key}"
            by_message[str(scoring.BAD_CURVE % {"key": key})] = f"curve-{key}"
        for field, messages in error.message_dict.items():
            for message in messages:
                if message == str(scoring.BAD_GRADES):
                    self.grade_errors.append(message)
                elif field == "config" and message in by_message:
                    self.add_error(by_message[message], message)
                else:
                    self.add_error(field if field in self.fields else None, message)

    def rows(self) -> list[dict]:
        """The indicators with their two fields, grouped as the readable table is."""
        return [
            {"key": key, "group": scoring.GROUPS[group], "label": label,
             "weight": self[f"weight-{key}"], "curve": self[f"curve-{key}"]}
            for key, (group, label) in scoring.INDICATORS.items()
        ]  # fmt: skip

    def grades(self) -> list:
        return [self[f"grade-{key}"] for key in GRADE_KEYS]
