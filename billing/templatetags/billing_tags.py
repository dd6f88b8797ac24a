"""How money reads on the billing pages and the invoice PDF."""

import datetime as dt
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    """¥1,234.50 (¥-12.00 for a credit); "—" for nothing."""
    if amount is None or amount == "":
        return "—"
    # Grouped by thousands in both languages, as Chinese accounts are (not by 万).
    return f"¥{Decimal(amount):,.2f}"


@register.filter
def day_before(day: dt.date | None) -> dt.date | None:
    """The last day of a period that ends (exclusive) on `day`."""
    return day - dt.timedelta(days=1) if day else None
