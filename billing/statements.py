"""Charges as the pages, the invoice PDF and the statements show them: each with its lines,
where it comes from and whether its use was measured; the lists filtered and totalled; a
statement as a config.tables.Table, so the CSV and XLSX hold exactly the rows listed."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from billing.models import Charge, VoucherPayment
from billing.pricing import ZERO
from config.tables import Column, Table
from instruments.permissions import managed_labs

UNITS = {"hour": gettext_lazy("h"), "half_day": gettext_lazy("half days"), "day": gettext_lazy("days")}
TIME_BASES = ("booked", "measured", "declared", "overtime")


@dataclass(frozen=True)
class LineRow:
    label: str
    quantity: str  # "1.25 h", "3", "1"
    unit_price: Decimal
    amount: Decimal


@dataclass
class ChargeRow:
    charge: Charge
    lines: list[LineRow]
    source: str  # "Booking 12 · 2026-10-12 10:00–11:00"
    url: str
    evidence: str  # "measured", "declared", "confirmed", "unconfirmed" or "" (fees)
    vouchers: Decimal = ZERO


@dataclass
class Totals:
    count: int = 0
    net: Decimal = ZERO
    vat: Decimal = ZERO
    vouchers: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


def with_details(charges: QuerySet[Charge]) -> QuerySet[Charge]:
    live = VoucherPayment.objects.filter(reversed_at__isnull=True)
    return charges.select_related(
        "instrument", "provider", "customer", "invoice", "reservation__requester", "sample_order__requester"
    ).prefetch_related("lines", Prefetch("voucher_payments", queryset=live, to_attr="live_vouchers"))


def _quantity(basis: str, quantity: Decimal, unit: str) -> str:
    text = f"{quantity.normalize():f}"
    if basis in TIME_BASES and unit in UNITS:
        return f"{text} {UNITS[unit]}"
    return text


def _source(charge: Charge) -> tuple[str, str]:
    if charge.reservation_id:
        r = charge.reservation
        start, end = timezone.localtime(r.start), timezone.localtime(r.end)
        until = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%Y-%m-%d %H:%M}"
        when = f"{start:%Y-%m-%d %H:%M}–{until}"
        return _("Booking %(pk)s · %(when)s") % {"pk": r.pk, "when": when}, reverse("booking:reservation", args=[r.pk])
    order = charge.sample_order
    return (
        _("Sample order %(pk)s · %(n)s samples") % {"pk": order.pk, "n": order.samples},
        reverse("booking:sample-order", args=[order.pk]),
    )


def _evidence(charge: Charge) -> str:
    if charge.kind == Charge.Kind.USE:
        return "measured" if charge.verified else "declared"
    if charge.kind == Charge.Kind.SAMPLES:
        return "confirmed" if charge.verified else "unconfirmed"
    return ""


def charge_rows(charges: Iterable[Charge]) -> list[ChargeRow]:
    """Charges of with_details() as the pages show them."""
    rows = []
    for charge in charges:
        unit = charge.rate.get("unit", "")
        lines = [
            LineRow(x.label, _quantity(x.basis, x.quantity, unit), x.unit_price, x.amount) for x in charge.lines.all()
        ]
        source, url = _source(charge)
        vouchers = sum((p.amount for p in getattr(charge, "live_vouchers", [])), ZERO)
        rows.append(ChargeRow(charge, lines, source, url, _evidence(charge), vouchers))
    return rows


def totals(charges: QuerySet[Charge]) -> Totals:
    sums = charges.aggregate(net=Sum("net"), vat=Sum("vat"))
    paid = VoucherPayment.objects.filter(charge__in=charges.values("pk"), reversed_at__isnull=True).aggregate(
        s=Sum("amount")
    )
    return Totals(charges.count(), sums["net"] or ZERO, sums["vat"] or ZERO, paid["s"] or ZERO)


def by_cost_centre(charges: QuerySet[Charge]) -> list[dict[str, Any]]:
    """Internal charges summed per grant or cost centre (经费卡号), the way they are transferred."""
    return list(
        charges.filter(customer_class="internal").values("cost_centre").annotate(net=Sum("net")).order_by("cost_centre")
    )


def filtered(charges: QuerySet[Charge], *, user: User, params: dict) -> QuerySet[Charge]:
    """The charges chosen by ChargeFilterForm's cleaned data."""
    side = params.get("side")
    if side == "provider":
        charges = charges.filter(Q(provider_id=user.organization_id) | Q(instrument__lab__in=managed_labs(user)))
    elif side == "customer":
        charges = charges.filter(customer_id=user.organization_id)
    if params.get("from"):
        charges = charges.filter(service_date__gte=params["from"])
    if params.get("to"):
        charges = charges.filter(service_date__lt=params["to"])
    for name in ("instrument", "customer"):
        if params.get(name):
            charges = charges.filter(**{name: params[name]})
    if params.get("invoiced"):
        charges = charges.filter(invoice__isnull=params["invoiced"] == "no")
    if params.get("customer_class"):
        charges = charges.filter(customer_class=params["customer_class"])
    if params.get("cost_centre"):
        charges = charges.filter(cost_centre__icontains=params["cost_centre"].strip())
    return charges


STATEMENT_COLUMNS = [
    Column("service_date", gettext_lazy("Service date"), "date"),
    Column("instrument_code", gettext_lazy("Instrument code")),
    Column("instrument", gettext_lazy("Instrument")),
    Column("provider", gettext_lazy("Provider")),
    Column("customer", gettext_lazy("Customer")),
    Column("customer_class", gettext_lazy("Customer class")),
    Column("cost_centre", gettext_lazy("Grant or cost centre")),
    Column("source", gettext_lazy("Booking or order")),
    Column("requester", gettext_lazy("Requested by")),
    Column("kind", gettext_lazy("Kind")),
    Column("measured", gettext_lazy("Verified use"), "bool"),
    Column("lines", gettext_lazy("Lines")),
    Column("net", gettext_lazy("Net"), "money"),
    Column("vat", gettext_lazy("VAT"), "money"),
    Column("total", gettext_lazy("Total"), "money"),
    Column("vouchers", gettext_lazy("Paid by vouchers"), "money"),
    Column("invoice", gettext_lazy("Invoice")),
]


def _lines_text(row: ChargeRow) -> str:
    return "; ".join(f"{x.label} {x.quantity} × {x.unit_price} = {x.amount}" for x in row.lines)


def statement_table(rows: list[ChargeRow]) -> Table:
    out = []
    for row in rows:
        c = row.charge
        requester = (c.reservation or c.sample_order).requester
        out.append({
            "service_date": c.service_date, "instrument_code": c.instrument.code, "instrument": c.instrument.name,
            "provider": c.provider.name, "customer": c.customer.name, "customer_class": c.get_customer_class_display(),
            "cost_centre": c.cost_centre, "source": row.source, "requester": requester.display_name,
            "kind": c.get_kind_display(), "measured": c.verified, "lines": _lines_text(row), "net": c.net,
            "vat": c.vat, "total": c.total, "vouchers": row.vouchers,
            "invoice": (c.invoice.number or _("draft")) if c.invoice else "",
        })  # fmt: skip
    return Table("charges", gettext_lazy("Charges"), STATEMENT_COLUMNS, out)


def statement_about(*, title: str, params: dict, sums: Totals, page: str) -> list[tuple[str, str]]:
    first, after = params.get("from"), params.get("to")
    period = f"{first.isoformat() if first else '…'} – {(after - dt.timedelta(days=1)).isoformat() if after else '…'}"
    return [
        (_("Title"), title),
        (_("Period"), period),
        (_("Charges"), str(sums.count)),
        (_("Net"), f"{sums.net:.2f}"),
        (_("VAT"), f"{sums.vat:.2f}"),
        (_("Total"), f"{sums.total:.2f}"),
        (_("Paid by vouchers"), f"{sums.vouchers:.2f}"),
        (_("Page"), page),
        (_("Units"), _("Amounts in CNY (yuan) with 2 decimals; dates in Beijing time (UTC+8).")),
    ]
