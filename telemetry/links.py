from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from instruments.extensions import Link
from instruments.models import Instrument
from telemetry.selectors import can_watch_lab


def telemetry_links(request: HttpRequest, instrument: Instrument) -> list[Link]:
    """The lab's live dashboard, for those who may watch it."""
    if request.user.is_authenticated and can_watch_lab(request.user, instrument.lab):
        return [(_("Lab dashboard"), reverse("telemetry:lab", args=[instrument.lab_id]), "")]
    return []
