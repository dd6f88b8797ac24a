"""Turning one row of an NRII-style sheet into Instrument field values, or into the list
of everything wrong with it."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Region, RegionAlias
from instruments import categories, nrii
from instruments.import_files import Cell
from instruments.models import Category, Instrument, Lab
from instruments.services import EDITABLE_FIELDS

REQUIRED = _("This column is required.")
NOT_A_NUMBER = _("«%(value)s» is not an amount in 万元 (ten thousand CNY), e.g. 125.5.")
NEGATIVE = _("The value cannot be negative.")
FINER_THAN_FEN = _("%(value)s 万元 is finer than one fen (0.000001 万元).")
TOO_LARGE = _("%(value)s 万元 is too large.")
BAD_DATE = _("«%(value)s» is not a date; write it as 2019-05-31.")
FUTURE_DATE = _("%(value)s is in the future.")
BAD_CHOICE = _("«%(value)s» is not one of: %(choices)s.")
UNKNOWN_REGION = _("«%(value)s» is not a known region at this level.")
AMBIGUOUS_REGION = _("«%(value)s» names several places; fill in the city column too.")
REGION_MISMATCH = _("«%(value)s» does not lie in %(parent)s.")
NO_LAB = _("No lab given: add a labCode column or choose the lab to import into.")
UNKNOWN_LAB = _("Lab «%(value)s» does not exist at %(institution)s.")
LAB_NOT_MANAGED = _("You do not manage lab «%(value)s».")
DUPLICATE_ROW = _("Asset number %(value)s already appears in row %(row)d of this file.")

FIELD_TO_COLUMN = {model: column for column, model in nrii.FIELDS.items()}
MAX_CNY = Decimal("999999999999.99")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    lab: Lab
    fields: dict[str, Any]
    # What was accepted but should be looked at (a category code missing from the table).
    notes: list[Problem] = field(default_factory=list)


@dataclass
class RowContext:
    """What every row is checked against, loaded once per file."""

    institution: Organization
    default_lab: Lab | None
    labs: dict[str, Lab]
    allowed_lab_ids: set[int] | None  # None: any lab of the institution
    categories: dict[str, Category] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    aliases: dict[str, Region] = field(default_factory=dict)  # other names of regions and zones

    @classmethod
    def load(cls, *, institution: Organization, default_lab: Lab | None, allowed_lab_ids: set[int] | None):
        return cls(
            institution=institution,
            default_lab=default_lab,
            labs={lab.code: lab for lab in institution.labs.all()},
            allowed_lab_ids=allowed_lab_ids,
            categories={c.code: c for c in Category.objects.all()},
            regions=list(Region.objects.all()),
            aliases={a.name_zh: a.region for a in RegionAlias.objects.select_related("region")},
        )


class RowError(Exception):
    def __init__(self, column: str, message, **params):
        self.column = column
        self.text = str(message) % params if params else str(message)


def parse_row(number: int, cells: dict[str, Cell], ctx: RowContext) -> tuple[ParsedRow | None, list[Problem]]:
    problems: list[Problem] = []
    notes: list[Problem] = []
    values: dict[str, Any] = {}

    def attempt(column: str, parse, *args) -> Any:
        try:
            return parse(*args)
        except RowError as error:
            problems.append(Problem(number, error.column, error.text))
        return None

    for column in nrii.REQUIRED:
        if not _text(cells.get(column)):
            problems.append(Problem(number, column, str(REQUIRED)))
    for column, name in nrii.FIELDS.items():
        raw = cells.get(column)
        if column in nrii.REQUIRED and not _text(raw):
            continue
        if column == "worth":
            values[name] = attempt(column, _worth, _text(raw))
        elif column == "instrCategory":
            filed = attempt(column, _category, _text(raw), ctx)
            values[name] = filed and filed.category
            if filed and filed.nearest:
                notes.append(Problem(number, column, filed.note))
        elif column == "beginDate":
            values[name] = attempt(column, _date, raw)
        elif column in ("shareMode", "status", "type"):
            values[name] = attempt(column, _choice, column, _text(raw))
        else:
            values[name] = _text(raw)
    values["region"] = attempt("county", _region, cells, ctx)
    lab = attempt("labCode", _lab, _text(cells.get("labCode")), ctx)

    # Drop what the sheet left empty, so that defaults apply on create and the stored
    # value stays on update.
    values = {k: v for k, v in values.items() if v not in (None, "") and k in EDITABLE_FIELDS}
    failed = {p.column for p in problems}
    problems += [p for p in _model_problems(number, values, lab or ctx.default_lab, ctx) if p.column not in failed]
    if problems:
        return None, problems
    return ParsedRow(row=number, lab=lab, fields=values, notes=notes), []


def _text(raw: Cell | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    return str(raw).strip()


def _worth(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace("万元", "").strip()
    try:
        wan = Decimal(cleaned)
    except InvalidOperation:
        raise RowError("worth", NOT_A_NUMBER, value=text) from None
    if not wan.is_finite():
        raise RowError("worth", NOT_A_NUMBER, value=text)
    if wan < 0:
        raise RowError("worth", NEGATIVE)
    cny = wan * 10000
    if cny != cny.quantize(Decimal("0.01")):
        raise RowError("worth", FINER_THAN_FEN, value=text)
    if cny > MAX_CNY:
        raise RowError("worth", TOO_LARGE, value=text)
    return cny.quantize(Decimal("0.01"))


def _category(text: str, ctx: RowContext) -> categories.Filed:
    try:
        return categories.file_code(text, ctx.categories)
    except categories.CodeError as error:
        raise RowError("instrCategory", str(error)) from None


def _date(raw: Cell | None) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.date):
        day = raw
    else:
        for pattern in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(raw.strip(), pattern).date()
                break
            except ValueError:
                continue
        else:
            raise RowError("beginDate", BAD_DATE, value=raw)
    if day > timezone.localdate():
        raise RowError("beginDate", FUTURE_DATE, value=day.isoformat())
    return day


CHOICE_TABLES = {"shareMode": nrii.SHARE_MODE_VALUES, "status": nrii.STATUS_VALUES, "type": nrii.TYPE_VALUES}
CHOICE_HINTS = {"shareMode": nrii.SHARE_MODES, "status": nrii.STATUSES, "type": nrii.TYPES}


def _choice(column: str, text: str) -> str | None:
    if not text:
        return None
    table = CHOICE_TABLES[column]
    if text in table:
        return table[text]
    raise RowError(column, BAD_CHOICE, value=text, choices=" / ".join(CHOICE_HINTS[column]))


def _short(name: str) -> str:
    return re.sub(r"(省|市|区|县)$", "", name)


def _region_matches(region: Region, text: str) -> bool:
    if text == region.code:
        return True
    names = {region.name_zh, _short(region.name_zh), region.name_en.lower()}
    return text in names or _short(text) in names or text.lower() in names


def _aliased(text: str, ctx: RowContext) -> list[Region]:
    """The region another name stands for: a zone or park without a code of its own is
    filed under the county it lies in, or under its city when it spans several."""
    short = _short(text)
    found = {region.code: region for name, region in ctx.aliases.items() if short == _short(name)}
    return list(found.values())


def _region(cells: dict[str, Cell], ctx: RowContext) -> Region | None:
    parent: Region | None = None
    for level, column in enumerate(nrii.REGION_FIELDS, start=1):
        text = _text(cells.get(column))
        if not text:
            continue
        found = [r for r in ctx.regions if r.level == level and _region_matches(r, text)] or _aliased(text, ctx)
        if parent is not None:
            inside = [r for r in found if parent.contains(r)]
            if found and not inside:
                raise RowError(column, REGION_MISMATCH, value=text, parent=parent.name_zh)
            found = inside
        if not found:
            raise RowError(column, UNKNOWN_REGION, value=text)
        if len(found) > 1:
            raise RowError(column, AMBIGUOUS_REGION, value=text)
        parent = found[0]
    return parent


def _lab(code: str, ctx: RowContext) -> Lab:
    if not code:
        if ctx.default_lab is None:
            raise RowError("labCode", NO_LAB)
        lab = ctx.default_lab
    elif code in ctx.labs:
        lab = ctx.labs[code]
    else:
        raise RowError("labCode", UNKNOWN_LAB, value=code, institution=ctx.institution.name_zh)
    if ctx.allowed_lab_ids is not None and lab.pk not in ctx.allowed_lab_ids:
        raise RowError("labCode", LAB_NOT_MANAGED, value=lab.code)
    return lab


def _model_problems(number: int, values: dict[str, Any], lab: Lab | None, ctx: RowContext) -> list[Problem]:
    """The model's own field checks (lengths, e-mail, URL), named by NRII column."""
    candidate = Instrument(lab=lab, institution=ctx.institution, code="import-check", **values)
    if candidate.region_id is None:
        candidate.region = ctx.institution.region
    exclude = [name for name in ("lab", "category") if getattr(candidate, f"{name}_id") is None]
    if "category" in values and values["category"]._state.adding:
        exclude.append("category")  # a provisional category, stored with the row
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return [
            Problem(number, FIELD_TO_COLUMN.get(name, name), " ".join(messages))
            for name, messages in error.message_dict.items()
            if name in FIELD_TO_COLUMN
        ]
    return []
