"""Jiangsu's functional zones: those with a statistical division code of their own
(accounts/data/zones_jiangsu.csv) as county-level regions under their city, and the names
addresses use for zones and parks (accounts/data/region_aliases_jiangsu.csv)."""

import csv
from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    RegionAlias = apps.get_model("accounts", "RegionAlias")
    with (DATA / "zones_jiangsu.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            Region.objects.update_or_create(
                code=code,
                defaults={
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "level": 3,
                    "kind": "zone",
                    "parent_id": code[:4] + "00",
                },
            )
    with (DATA / "region_aliases_jiangsu.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            RegionAlias.objects.update_or_create(name_zh=row["name_zh"], defaults={"region_id": row["region"]})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_jiangsu_regions")]
    operations = [
        migrations.AddField(
            model_name="region",
            name="kind",
            field=models.CharField(
                choices=[("division", "Administrative division"), ("zone", "Functional zone")],
                default="division",
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.CreateModel(
            name="RegionAlias",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name_zh", models.CharField(max_length=50, unique=True, verbose_name="Chinese name")),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aliases",
                        to="accounts.region",
                        verbose_name="region",
                    ),
                ),
            ],
            options={
                "verbose_name": "region alias",
                "verbose_name_plural": "region aliases",
                "ordering": ["region_id", "name_zh"],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
