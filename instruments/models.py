import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region
from instruments.search.fields import SearchDocumentField

category_code = RegexValidator(r"^\d{6}$", _("A category code has six digits (2+2+2), e.g. 010500."))


def _pick(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class Category(models.Model):
    """A class of the national instrument classification (6 digits, 2+2+2: class,
    subclass, item)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True, validators=[category_code])
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    # A well-formed code that is not in the published table, met in an imported sheet: kept
    # under its nearest known class so that no row is refused for it, and listed for the
    # catalog managers to name or correct.
    provisional = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_("Created by an import for a code missing from the classification; review its name."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return _pick(self.name_zh, self.name_en)

    @property
    def is_top(self) -> bool:
        return self.code.endswith("0000")

    @property
    def level(self) -> int:
        """1 for a class (010000), 2 for a subclass (010100), 3 for an item (010101)."""
        return 1 if self.code.endswith("0000") else 2 if self.code.endswith("00") else 3

    @property
    def prefix(self) -> str:
        """Digits shared by the codes inside this class: 010500 → 0105, 010000 → 01."""
        code = self.code
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code


class Lab(models.Model):
    institution = models.ForeignKey(Organization, models.PROTECT, related_name="labs", verbose_name=_("institution"))
    code = models.SlugField(_("code"), max_length=32)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_labs", verbose_name=_("lab managers")
    )

    class Meta:
        ordering = ["institution__code", "code"]
        verbose_name = _("lab")
        verbose_name_plural = _("labs")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="lab_code_unique_per_institution")]

    def __str__(self) -> str:
        return f"{self.institution.name} · {self.name}"

    @property
    def name(self) -> str:
        return _pick(self.name_zh, self.name_en)


class Instrument(models.Model):
    """One instrument, with the record fields of the national platform (NRII names in
    instruments/nrii.py)."""

    class Type(models.TextChoices):
        GENERAL = "general", _("General purpose")
        SPECIAL = "special", _("Special purpose")

    class ShareMode(models.TextChoices):
        EXTERNAL = "external", _("Open to outside users")
        INTERNAL = "internal", _("Internal sharing only")
        NONE = "none", _("Not shared")

    class Status(models.TextChoices):
        NORMAL = "normal", _("In service")
        FAULT = "fault", _("Faulty")
        REPAIR = "repair", _("Under repair")
        RETIRED = "retired", _("Retired")

    lab = models.ForeignKey(Lab, models.PROTECT, related_name="instruments", verbose_name=_("lab"))
    # Copied from the lab on save, so that the database can keep asset numbers unique
    # per institution (the key of idempotent imports).
    institution = models.ForeignKey(
        Organization, models.PROTECT, related_name="instruments", editable=False, verbose_name=_("institution")
    )
    code = models.SlugField(
        _("instrument code"),
        max_length=64,
        unique=True,
        help_text=_("Stable identifier used by gateways and in URLs."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    inner_id = models.CharField(_("asset number"), max_length=64)
    category = models.ForeignKey(Category, models.PROTECT, related_name="instruments", verbose_name=_("category"))
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.GENERAL)
    model = models.CharField(_("model"), max_length=200, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    country = models.CharField(_("country of origin"), max_length=100, blank=True)
    in_service_date = models.DateField(_("in service since"), null=True, blank=True)
    original_value = models.DecimalField(
        _("original value (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    funds = models.CharField(_("source of funds"), max_length=200, blank=True)
    technical = models.TextField(_("technical specifications"), blank=True)
    function = models.TextField(_("functions"), blank=True)
    subject = models.CharField(_("subject area"), max_length=200, blank=True)
    service_content = models.TextField(_("services offered"), blank=True)
    requirement = models.TextField(_("openness rules"), blank=True)
    fee = models.CharField(_("reference fee"), max_length=500, blank=True)
    service_url = models.URLField(_("service web page"), blank=True)
    share_mode = models.CharField(_("share mode"), max_length=10, choices=ShareMode.choices, default=ShareMode.EXTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NORMAL)
    region = models.ForeignKey(Region, models.PROTECT, related_name="instruments", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        indexes = [models.Index(fields=["original_value"]), models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(fields=["institution", "inner_id"], name="asset_number_unique_per_institution")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.institution_id = self.lab.institution_id
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return _pick(self.name_zh, self.name_en)

    @property
    def in_scope(self) -> bool:
        """Whether openness is mandatory (and scored) for this instrument."""
        return self.original_value >= settings.OPENNESS_THRESHOLD_CNY

    @property
    def bookable(self) -> bool:
        return self.status == self.Status.NORMAL and self.share_mode != self.ShareMode.NONE


def _photo_path(instance: "InstrumentPhoto", filename: str) -> str:
    return f"instruments/{instance.instrument_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class InstrumentPhoto(models.Model):
    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="photos", verbose_name=_("instrument"))
    image = models.ImageField(_("image"), upload_to=_photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_photo_path)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or self.image.name


class RecordChange(models.Model):
    """The recorded facts of instruments (usage, bookings) changed in [start, end) after
    those days had settled: an import of history, or a late correction. Figures derived
    per day (openness) are computed again for the days it covers."""

    start = models.DateTimeField()
    end = models.DateTimeField()
    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("record change")
        verbose_name_plural = _("record changes")

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class SearchEntry(models.Model):
    """An instrument's record as the catalog search reads it: words (instruments/search/
    text.py) and concept tags, in three columns ranked apart. Written by the services on
    every create and edit; the full-text index follows it inside the database."""

    instrument = models.OneToOneField(Instrument, models.CASCADE, primary_key=True, related_name="search_entry")
    names = models.TextField(blank=True)
    details = models.TextField(blank=True)
    body = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.names


class SearchIndex(models.Model):
    """The full-text index over search entries, made by migration 0005 for each database
    (an FTS5 table on SQLite, a view over a GIN-indexed tsvector on PostgreSQL); queried only."""

    instrument = models.OneToOneField(
        Instrument, models.DO_NOTHING, primary_key=True, db_column="rowid", db_constraint=False,
        related_name="search_index",
    )  # fmt: skip
    document = SearchDocumentField(db_column="instruments_search")

    class Meta:
        managed = False
        db_table = "instruments_search"

    def __str__(self) -> str:
        return str(self.instrument_id)
