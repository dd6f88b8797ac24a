from django import forms

from accounts.models import Region


class RegionChoiceField(forms.ModelChoiceField):
    """Regions as a tree: 南京市, then its districts indented and named with their city,
    so that the two 鼓楼区 (Nanjing, Xuzhou) can be told apart."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Region.objects.select_related("parent"))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, region: Region) -> str:
        if region.level == Region.Level.COUNTY and region.parent:
            return f"\u3000{region.parent.name} · {region.name}"
        return region.name
