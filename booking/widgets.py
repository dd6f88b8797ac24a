"""A multiple choice among many people or organizations, chosen by searching.

Only the chosen ones are on the page, as ticked boxes; a search field asks a small JSON
endpoint for more (booking/static/booking/picker.js). So the page never lists everyone.
"""

from collections.abc import Callable

from django import forms
from django.db.models import Model


class SearchSelectMultiple(forms.SelectMultiple):
    template_name = "booking/widgets/picker.html"

    def __init__(self, *, label: Callable[[Model], str] = str, attrs: dict | None = None):
        super().__init__(attrs)
        self.label = label

    def optgroups(self, name, value, attrs=None):
        chosen = [pk for pk in value if str(pk).isdigit()]
        found = self.choices.queryset.filter(pk__in=chosen) if chosen else []
        options = [
            self.create_option(name, item.pk, self.label(item), True, index, attrs=attrs)
            for index, item in enumerate(found)
        ]
        return [(None, options, 0)]
