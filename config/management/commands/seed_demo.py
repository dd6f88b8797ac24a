import random

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Organization
from config.demo.billing import seed_billing
from config.demo.bookings import seed_bookings
from config.demo.catalog import PASSWORD, demo_accounts, seed_catalog
from config.demo.openness import seed_openness
from config.demo.telemetry import seed_telemetry


class Command(BaseCommand):
    help = "Fill an empty database with the Jiangsu demo network and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (the same seed gives the same data)")

    def handle(self, *args, seed: int, **options):
        if Organization.objects.filter(code="NJU").exists():
            self.stdout.write("Demo data is already there; nothing to do.")
        else:
            # All of it or none of it: a half-seeded demo would be skipped forever after.
            with transaction.atomic():
                rng = random.Random(seed)
                seed_catalog(rng=rng)
                seed_bookings(rng=rng)
                seed_telemetry(rng=rng)
                seed_openness()
                seed_billing(rng=rng)
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self.stdout.write(f"Demo accounts (password for all: {PASSWORD}):")
        for account in demo_accounts():
            self.stdout.write(f"  {account.username:<16} {account.role:<34} {account.organization}")
