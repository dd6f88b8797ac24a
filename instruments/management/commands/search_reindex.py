from django.core.management.base import BaseCommand

from instruments.search.index import search_index_tidy, search_reindex


class Command(BaseCommand):
    help = (
        "Rewrite every instrument's search entry: needed after instruments/data/search_terms.toml "
        "changed, or after instruments were written without the services (bulk loads)."
    )

    def handle(self, *args, **options):
        written = search_reindex()
        search_index_tidy()
        self.stdout.write(f"Indexed {written} instruments.")
