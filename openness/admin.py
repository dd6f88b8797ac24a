"""Read-only admin of flags and evaluation rounds. They change only through
openness.services (the regulators' and institutions' doors), where the permissions and
the frozen state of published rounds are enforced; the admin is for looking."""

from django.contrib import admin

from config.admin import ReadOnly
from openness.models import EvaluationResult, EvaluationRound, Flag


@admin.register(Flag)
class FlagAdmin(ReadOnly):
    list_display = ["instrument", "kind", "state", "period_start", "period_end", "updated_at"]
    list_filter = ["kind", "state"]
    search_fields = ["instrument__code", "instrument__name_zh", "instrument__institution__code"]
    date_hierarchy = "period_start"


class ResultInline(admin.TabularInline):
    model = EvaluationResult
    fields = ["institution", "total", "grade", "inputs", "points"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ReadOnly):
    list_display = ["name", "region", "period_start", "period_end", "state", "published_at"]
    list_filter = ["state"]
    inlines = [ResultInline]
