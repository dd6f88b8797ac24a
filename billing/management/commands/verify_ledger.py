from django.core.management.base import BaseCommand, CommandError

from billing import ledger


class Command(BaseCommand):
    help = "Recompute the money journal's hash chain and name the first entry that does not check out."

    def handle(self, *args, **options) -> None:
        verdict = ledger.verify()
        if not verdict.ok:
            raise CommandError(
                f"Ledger broken at entry {verdict.first_bad}: {verdict.problem} "
                f"({verdict.entries} entries check out before it)."
            )
        self.stdout.write(f"Ledger intact: {verdict.entries} entries.")
