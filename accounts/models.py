from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

division_code = RegexValidator(r"^\d{6}$", _("An administrative division code has six digits."))


class Region(models.Model):
    """A node of the province → city → county tree, keyed by its GB/T 2260 code.

    The code itself encodes the tree (32 → 3205 → 320508), so a subtree is a prefix match
    and needs no recursive query. Functional zones that have a code of their own in the
    statistics bureau's division codes (苏州工业园区 320571: county digits 71–99, not in
    GB/T 2260) are county-level nodes under their city: they roll up into it like a district.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")

    class Kind(models.TextChoices):
        DIVISION = "division", _("Administrative division")
        ZONE = "zone", _("Functional zone")

    code = models.CharField(_("division code"), max_length=6, primary_key=True, validators=[division_code])
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DIVISION)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def prefix(self) -> str:
        """The code digits shared by every region in this subtree."""
        return self.code[: 2 * self.level]

    def contains(self, other: "Region") -> bool:
        return other.code.startswith(self.prefix)


class RegionAlias(models.Model):
    """Another name addresses use for a region, chiefly a functional zone without a code of
    its own (昆山开发区 → 昆山市, 南京江北新区 → 南京市): names are matched on import."""

    name_zh = models.CharField(_("Chinese name"), max_length=50, unique=True)
    region = models.ForeignKey(Region, models.CASCADE, related_name="aliases", verbose_name=_("region"))

    class Meta:
        ordering = ["region_id", "name_zh"]
        verbose_name = _("region alias")
        verbose_name_plural = _("region aliases")

    def __str__(self) -> str:
        return f"{self.name_zh} → {self.region_id}"


class Organization(models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        ENTERPRISE = "enterprise", _("Enterprise (start-up or SME)")
        REGULATOR = "regulator", _("Regulator")

    OWNER_KINDS = (Kind.UNIVERSITY, Kind.INSTITUTE, Kind.ENTERPRISE)

    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short code used in imports and URLs, or the unified social credit code of a firm."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("region"), related_name="organizations")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    @property
    def can_own_instruments(self) -> bool:
        return self.kind in self.OWNER_KINDS


class Manager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.PLATFORM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person. What they may see and do follows from `role`, their organization,
    and the labs they manage (instruments.Lab.managers)."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ORG_ADMIN = "org_admin", _("Organization admin")
        REGULATOR = "regulator", _("Regulator")
        PLATFORM_ADMIN = "platform_admin", _("Platform admin")

    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("organization"),
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = Manager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="platform_admin") | models.Q(organization__isnull=False),
                name="user_needs_organization_unless_platform_admin",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role == self.Role.REGULATOR and (
            self.organization is None or self.organization.kind != Organization.Kind.REGULATOR
        ):
            raise ValidationError({"organization": _("A regulator must belong to a regulator organization.")})
        if self.role != self.Role.PLATFORM_ADMIN and self.organization is None:
            raise ValidationError({"organization": _("Every user except platform admins belongs to an organization.")})

    def save(self, *args, **kwargs) -> None:
        # The Django admin is the platform admins' tool: its flags follow the role, always.
        self.is_staff = self.is_superuser = self.role == self.Role.PLATFORM_ADMIN
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class LoginFailure(models.Model):
    """Failed sign-ins with one user name in the current window, kept in the database so
    that a lockout holds in every web process and across restarts (accounts/lockout.py).
    Keyed by the name as typed, whether or not such a user exists."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    count = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    first_at = models.DateTimeField(_("first failure"))
    last_at = models.DateTimeField(_("last failure"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        ordering = ["-last_at"]
        verbose_name = _("failed sign-ins")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return self.username
