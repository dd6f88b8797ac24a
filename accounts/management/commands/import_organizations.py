from accounts.management.import_command import ImportCommand
from accounts.organization_imports import organization_rows, organizations_import


class Command(ImportCommand):
    help = "Import organizations from a CSV file with columns code,name_zh,name_en,kind,region."

    def rows(self, data: bytes) -> list:
        return organization_rows(data)

    def run(self, *, rows, skip_invalid, progress):
        return organizations_import(rows=rows, skip_invalid=skip_invalid, progress=progress)
