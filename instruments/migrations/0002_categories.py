"""Seed the 15 top classes of the national instrument classification and common subclasses."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"


def load(apps, schema_editor):
    Category = apps.get_model("instruments", "Category")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Category.objects.update_or_create(
                code=row["code"], defaults={"name_zh": row["name_zh"], "name_en": row["name_en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("instruments", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
