"""Seed Jiangsu's province, its 13 cities and their counties (GB/T 2260 codes)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "regions_jiangsu.csv"


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return 1
    return 2 if code.endswith("00") else 3


def parent_of(code: str) -> str | None:
    level = level_of(code)
    return None if level == 1 else (code[:2] + "0000" if level == 2 else code[:4] + "00")


def load(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            Region.objects.update_or_create(
                code=code,
                defaults={
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "level": level_of(code),
                    "parent_id": parent_of(code),
                },
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
