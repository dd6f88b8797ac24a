"""Money: rate cards, charges, invoices, payments and the ledger (money), innovation vouchers
(vouchers), ratings (ratings)."""

from billing.models.money import (
    MONEY,
    PERCENT,
    ZERO,
    Charge,
    ChargeLine,
    CustomerClass,
    Invoice,
    InvoiceCounter,
    LedgerEntry,
    LedgerHead,
    Payment,
    RateCard,
)
from billing.models.ratings import Rating
from billing.models.vouchers import ClaimLine, VoucherClaim, VoucherGrant, VoucherPayment, VoucherProgramme

__all__ = [
    "MONEY",
    "PERCENT",
    "ZERO",
    "Charge",
    "ChargeLine",
    "ClaimLine",
    "CustomerClass",
    "Invoice",
    "InvoiceCounter",
    "LedgerEntry",
    "LedgerHead",
    "Payment",
    "RateCard",
    "Rating",
    "VoucherClaim",
    "VoucherGrant",
    "VoucherPayment",
    "VoucherProgramme",
]  # fmt: skip
