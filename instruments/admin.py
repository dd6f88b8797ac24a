from django import forms
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


class LabForm(forms.ModelForm):
    """The checks of instruments.services, as form errors rather than failures on save."""

    class Meta:
        model = Lab
        fields = ["institution", "code", "name_zh", "name_en", "managers"]

    def clean(self):
        data = super().clean()
        institution = data.get("institution") or getattr(self.instance, "institution", None)
        if institution is None:
            return data
        if not self.instance.pk and not institution.can_own_instruments:
            self.add_error("institution", services.LAB_NOT_OWNER)
        code = data.get("code")
        if code and Lab.objects.filter(institution=institution, code=code).exclude(pk=self.instance.pk).exists():
            self.add_error("code", _("This institution already has a lab with this code."))
        if any(user.organization_id != institution.pk for user in data.get("managers", [])):
            self.add_error("managers", services.MANAGER_NOT_MEMBER)
        return data


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    """Labs are created and their managers named through instruments.services, as on the
    institution's labs page; a lab stays with its institution (its instruments and
    managers belong there)."""

    form = LabForm
    list_display = ["code", "name_zh", "institution"]
    list_filter = ["institution"]
    search_fields = ["code", "name_zh", "name_en"]
    filter_horizontal = ["managers"]

    def get_readonly_fields(self, request, obj=None):
        return ["institution"] if obj else []

    def save_model(self, request, obj: Lab, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["code", "name_zh", "name_en"])
            return
        data = form.cleaned_data
        saved = services.lab_create(
            institution=data["institution"], code=data["code"], name_zh=data["name_zh"],
            name_en=data["name_en"], by=request.user,
        )  # fmt: skip
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change: bool) -> None:
        # Not form.save_m2m(): managers are named by the service (and their sockets told).
        services.lab_set_managers(lab=form.instance, managers=list(form.cleaned_data["managers"]), by=request.user)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a lab with instruments, gateways and history is kept


class PhotoInline(admin.TabularInline):
    """Photos are uploaded on the instrument's edit page, where they are checked and cleaned.
    A deleted photo's files leave storage with the row (instruments.signals)."""

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

    def delete_model(self, request, obj: Instrument) -> None:
        services.instrument_delete(instrument=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for instrument in queryset.select_related("lab"):
            services.instrument_delete(instrument=instrument, by=request.user)
