from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet; the last is a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_FORMAT = _("A unified social credit code has 18 digits and capital letters (I, O, S, V and Z are never used).")
USCC_CHECK = _("This unified social credit code fails its check character; please check it for typos.")


def credit_code_check_character(body: str) -> str:
    """The 18th character of the code whose first 17 characters are `body`."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Validate a unified social credit code (统一社会信用代码)."""
    code = value.strip().upper()
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        raise ValidationError(USCC_FORMAT, code="format")
    if code[17] != credit_code_check_character(code[:17]):
        raise ValidationError(USCC_CHECK, code="check")
