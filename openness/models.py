"""What openness stores: anomaly flags raised by the detection rules (openness.flags), and
evaluation rounds with their frozen results (openness.evaluation). Every figure they hold
was computed by openness.selectors; nothing here is a second source of metrics."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region
from instruments.models import Instrument


class Flag(models.Model):
    """One rule that fired for one instrument over one period, with the numbers that made
    it fire. The institution explains it; the regulator closes it."""

    class Kind(models.TextChoices):
        IDLE = "idle", _("Idle: far below reference hours (闲置)")
        LOW_SHARING = "low_sharing", _("Low sharing rate (共享率低)")
        DECLARED_OVER_MEASURED = "declared_over_measured", _("Booked hours far above measured use (申报远高于实测)")
        GATEWAY = "gateway", _("Gateway missing or silent (未联网或联网中断)")
        LATE_REGISTRATION = "late_registration", _("Registered late (入网登记滞后)")
        NOT_SHARED = "not_shared", _("In scope but marked not shared (应开放未开放)")
        NO_SHOWS = "no_shows", _("Repeated no-shows (多次爽约)")
        BILLED_UNMEASURED = "billed_unmeasured", _("Billed without measured use (收费无实测)")

    class State(models.TextChoices):
        OPEN = "open", _("Open (待说明)")
        EXPLAINED = "explained", _("Explained by the institution (已说明)")
        CLOSED = "closed", _("Closed by the regulator (已关闭)")

    UNRESOLVED = (State.OPEN, State.EXPLAINED)

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="flags", verbose_name=_("instrument"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    period_start = models.DateTimeField(_("period from"))
    period_end = models.DateTimeField(_("period to"))
    evidence = models.JSONField(_("evidence"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    detected_at = models.DateTimeField(_("first detected"))
    updated_at = models.DateTimeField(_("evidence updated"))
    explanation = models.TextField(_("institution's explanation"), blank=True)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    explained_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(_("regulator's note"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "instrument__code", "kind"]
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        constraints = [
            # Detection is re-run (late events, the monthly job): the database keeps it
            # from ever holding the same finding twice.
            models.UniqueConstraint(
                fields=["instrument", "kind", "period_start", "period_end"], name="flag_once_per_instrument_kind_period"
            ),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="flag_period"),
        ]
        indexes = [models.Index(fields=["state", "period_start"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.kind} {self.period_start:%Y-%m-%d}"


class EvaluationRound(models.Model):
    """An evaluation of the institutions of one region over one period. The config (weights,
    curves, grade cut-offs) is a copy of the defaults that the regulator may edit while
    the round is a draft; once published, the round and its results never change."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (草稿)")
        COMPUTED = "computed", _("Computed, not published (已计算)")
        PUBLISHED = "published", _("Published (已发布)")

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    period_start = models.DateTimeField(_("period from"))
    period_end = models.DateTimeField(_("period to"))
    config = models.JSONField(_("weights, curves and grade cut-offs"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    previous = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("compared with")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="round_period"),
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationResult(models.Model):
    """One institution's result in a round, with the inputs it was scored on: what a
    published round shows is read from here, never recomputed."""

    round = models.ForeignKey(EvaluationRound, models.CASCADE, related_name="results")
    institution = models.ForeignKey(Organization, models.PROTECT, related_name="+", verbose_name=_("institution"))
    inputs = models.JSONField(_("measured inputs"))
    points = models.JSONField(_("points per indicator"))
    total = models.DecimalField(_("total (0–100)"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=10)

    class Meta:
        ordering = ["-total", "institution__code"]
        constraints = [models.UniqueConstraint(fields=["round", "institution"], name="result_once_per_institution")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.institution_id} {self.total}"


class StoredFigures(models.Model):
    """Figures of one instrument over a stored span, in microseconds (openness.metrics ticks)
    and counts: the fields of openness.metrics.Figures that add up."""

    known = models.BigIntegerField(default=0)
    unknown = models.BigIntegerField(default=0)
    booked = models.BigIntegerField(default=0)
    booked_external = models.BigIntegerField(default=0)
    effective = models.BigIntegerField(default=0)
    external = models.BigIntegerField(default=0)
    in_bookings = models.BigIntegerField(default=0)
    unbooked = models.BigIntegerField(default=0)
    overrun = models.BigIntegerField(default=0)
    completed = models.IntegerField(default=0)
    no_show = models.IntegerField(default=0)
    unverified = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyFigure(StoredFigures):
    """One instrument's figures of one settled local day, in microseconds (openness.metrics
    ticks) and counts, as openness.metrics computes them for that day: reports add days up
    instead of computing a year from the raw facts. A day without a row had nothing."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "instrument"], name="daily_figure_once")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.day}"


class DailyOrganization(models.Model):
    """An outside organization an instrument served (measured external use) on a settled day:
    "distinct organizations served" over a period is a distinct count, not a sum."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    day = models.DateField()
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "instrument", "organization"], name="daily_org_once")]
        # A report reads each instrument's distinct organizations from this index alone.
        indexes = [models.Index(fields=["instrument", "organization", "day"], name="daily_org_by_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.day} → {self.organization_id}"


class SettledDay(models.Model):
    """A local day whose DailyFigure rows are complete for every instrument."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.day)


class MonthlyFigure(StoredFigures):
    """The sums of an instrument's DailyFigure rows over a month all of whose days are
    settled: a report of a year reads twelve rows per instrument instead of 365."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+", db_constraint=False)
    month = models.DateField()  # its first day

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "instrument"], name="monthly_figure_once")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.month:%Y-%m}"


class MonthlyOrganization(models.Model):
    """An outside organization an instrument served in a settled month."""

    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    month = models.DateField()
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "instrument", "organization"], name="monthly_org_once")]
        indexes = [models.Index(fields=["instrument", "organization", "month"], name="monthly_org_by_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.month:%Y-%m} → {self.organization_id}"


class SettledMonth(models.Model):
    """A month whose MonthlyFigure rows sum its settled days."""

    month = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
