from accounts.management.import_command import ImportCommand
from instruments.lab_imports import lab_rows, labs_import


class Command(ImportCommand):
    help = "Import labs from a CSV file with columns institution,code,name_zh,name_en (institution: its code)."

    def rows(self, data: bytes) -> list:
        return lab_rows(data)

    def run(self, *, rows, skip_invalid, progress):
        return labs_import(rows=rows, skip_invalid=skip_invalid, progress=progress)
