"""Category codes as sheets give them: checked, normalised, and filed under the
classification even when their item is missing from it."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from instruments.models import Category

NOT_SIX_DIGITS = _("«%(value)s» is not a six-digit category code such as 010500.")
NO_SUBCLASS = _(
    "«%(value)s» is not a valid category code: an item (last two digits) needs a subclass "
    "(middle two digits), e.g. 010501, not 010001."
)
UNKNOWN_CLASS = _("Category %(value)s does not belong to any of the 15 top classes.")
UNLISTED = _(
    "Category %(value)s is not in the classification; it was kept under %(nearest)s and flagged "
    "for the catalog managers to review."
)


class CodeError(ValueError):
    def __init__(self, message, **params):
        super().__init__(str(message) % params)


@dataclass
class Filed:
    category: Category
    # Set when the code is not in the classification (kept, flagged for review): the
    # listed class it was kept under.
    nearest: Category | None = None

    @property
    def note(self) -> str:
        nearest = self.nearest
        return str(UNLISTED) % {"value": self.category.code, "nearest": f"{nearest.code} {nearest.name_zh}"}


def normalise(text: str) -> str:
    """The code as six digits. Spreadsheets drop the leading zero of 010101 when the cell
    is a number, so five digits are read as a code of the first nine classes."""
    code = text.strip()
    if re.fullmatch(r"\d{5}", code):
        code = "0" + code
    if not re.fullmatch(r"\d{6}", code):
        raise CodeError(NOT_SIX_DIGITS, value=text)
    if code[2:4] == "00" and code[4:] != "00":
        raise CodeError(NO_SUBCLASS, value=code)
    return code


def ancestors(code: str) -> list[str]:
    """The classes above a code, nearest first: 010501 → 010500, 010000."""
    return [c for c in (code[:4] + "00", code[:2] + "0000") if c != code]


def file_code(text: str, known: dict[str, Category]) -> Filed:
    """The category of a code from a sheet: the listed one, or a provisional one under the
    nearest listed class. `known` gains the provisional category, unsaved, so that later rows
    with the same code share it; it is saved with the rows (`save_provisional`)."""
    code = normalise(text)
    nearest = next((known[c] for c in ancestors(code) if c in known and not known[c].provisional), None)
    if code in known:
        category = known[code]
        return Filed(category, nearest if category.provisional else None)
    if nearest is None:
        raise CodeError(UNKNOWN_CLASS, value=code)
    category = Category(
        code=code,
        name_zh=f"{nearest.name_zh}（未列明：{code}）",
        name_en=f"{nearest.name_en} (unlisted: {code})",
        provisional=True,
    )
    known[code] = category
    return Filed(category, nearest)


def save_provisional(category: Category) -> Category:
    """The stored category for `category`, creating a provisional one if it is new."""
    if not category._state.adding:
        return category
    stored, _created = Category.objects.get_or_create(
        code=category.code,
        defaults={"name_zh": category.name_zh, "name_en": category.name_en, "provisional": True},
    )
    return stored
