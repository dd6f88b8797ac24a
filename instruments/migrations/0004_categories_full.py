"""The full three-level classification (instruments/data/categories.csv; its source is in
docs/import.md), and a flag on categories created by imports for codes missing from it.

The earlier table had a few catch-all subclasses of its own (019900 …) that the national
classification numbers differently (its "other" subclass comes last: 011300 …); instruments
filed under them move to the national code, and those rows go.
"""

import csv
from pathlib import Path

from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"

REPLACED = {
    "011400": "011300",
    "019900": "011300",
    "029900": "020700",
    "039900": "031000",
    "049900": "040600",
    "099900": "090400",
    "129900": "120700",
    "139900": "130500",
}


def load(apps, schema_editor):
    Category = apps.get_model("instruments", "Category")
    Instrument = apps.get_model("instruments", "Instrument")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Category.objects.update_or_create(
                code=row["code"],
                defaults={"name_zh": row["name_zh"], "name_en": row["name_en"], "provisional": False},
            )
    for old, new in REPLACED.items():
        Instrument.objects.filter(category_id=old).update(category_id=new)
        Category.objects.filter(code=old).delete()


class Migration(migrations.Migration):
    dependencies = [("instruments", "0003_record_change")]
    operations = [
        migrations.AddField(
            model_name="category",
            name="provisional",
            field=models.BooleanField(
                default=False,
                help_text="Created by an import for a code missing from the classification; review its name.",
                verbose_name="needs review",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
