from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from instruments import services
from instruments.models import Category, Instrument, InstrumentPhoto, Lab


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Provisional categories come from imported codes missing from the classification:
    the catalog managers name them (or correct the instruments) and mark them reviewed."""

    list_display = ["code", "name_zh", "name_en", "provisional", "instrument_count"]
    list_filter = ["provisional"]
    search_fields = ["code", "name_zh", "name_en"]
    actions = ["mark_reviewed"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(instrument_total=Count("instruments"))

    @admin.display(description=_("instruments"), ordering="instrument_total")
    def instrument_count(self, category: Category) -> int:
        return category.instrument_total

    @admin.action(description=_("Mark the selected categories as reviewed"))
    def mark_reviewed(self, request, queryset) -> None:
        queryset.update(provisional=False)


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "institution"]
    list_filter = ["institution"]
    search_fields = ["code", "name_zh", "name_en"]
    filter_horizontal = ["managers"]


class PhotoInline(admin.TabularInline):
    """Photos are uploaded on the instrument's edit page, where they are checked and cleaned."""

    model = InstrumentPhoto
    fields = ["preview", "caption", "position"]
    readonly_fields = ["preview"]
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="")
    def preview(self, photo: InstrumentPhoto) -> str:
        return format_html('<img src="{}" style="max-height:80px">', photo.thumbnail.url)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "institution", "category", "original_value", "status", "share_mode"]
    list_filter = ["status", "share_mode", "type", "category__provisional", "institution"]
    search_fields = ["code", "name_zh", "name_en", "inner_id", "model"]
    autocomplete_fields = ["lab", "category", "region"]
    readonly_fields = ["code", "created_at", "updated_at"]
    inlines = [PhotoInline]

    def save_model(self, request, obj: Instrument, form, change: bool) -> None:
        # Through the service like every other door, so its checks apply here too.
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            services.instrument_update(instrument=obj, by=request.user, lab=form.cleaned_data["lab"], **fields)
        else:
            saved = services.instrument_create(lab=form.cleaned_data["lab"], by=request.user, **fields)
            obj.pk, obj.code = saved.pk, saved.code
