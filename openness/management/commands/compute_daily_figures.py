"""Compute the stored figures of settled days: those not computed yet and those whose facts
changed (what the jobs worker does), or, with --again, every settled day from the facts."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from openness import daily
from openness.models import SettledDay


class Command(BaseCommand):
    help = "Compute per-instrument figures of settled days (openness reports add them up)."

    def add_arguments(self, parser):
        parser.add_argument("--again", action="store_true", help="compute every settled day again from the facts")

    def handle(self, *args, again: bool, **options):
        if again:
            SettledDay.objects.all().delete()  # the rows stay until each day is computed again
        total = 0
        while done := daily.days_settle():
            total += done
            self.stdout.write(_("%(days)d days computed…") % {"days": total})
        self.stdout.write(_("Figures of %(days)d settled days computed.") % {"days": total})
