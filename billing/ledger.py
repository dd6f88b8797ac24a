"""The tamper-evident journal of money movements.

Each entry's hash covers its position, its content and the previous entry's hash, so an
edited row no longer matches its hash, a deleted or inserted row breaks the link to its
neighbour, and a deleted last row no longer matches the head. Entries are appended inside
the transaction that moves the money, so the journal and the money commit together.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import LedgerEntry, LedgerHead

GENESIS = "0" * 64
# Why an entry does not check out: shown by manage.py verify_ledger and on the ledger page.
BROKEN_LINK = _("an entry before it was deleted, inserted or edited")
EDITED = _("its content was edited")
TRUNCATED = _("entries after it were deleted")


def _digest(*, n: int, previous: str, kind: str, subject: str, amount: Decimal, data: dict, at: dt.datetime) -> str:
    body = json.dumps(
        {"n": n, "previous": previous, "kind": kind, "subject": subject, "amount": f"{Decimal(amount):.2f}",
         "data": data, "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds")},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(body.encode()).hexdigest()


def _plain(data: dict) -> dict:
    """Data as it reads back from a JSON column: Decimals and dates as strings."""
    return json.loads(json.dumps(data, default=str))


def hold() -> None:
    """Take the journal's lock now, inside the caller's transaction. A movement that locks
    several rows (an invoice, its grants) takes it first, so every money transaction takes
    the journal and its rows in the same order and none waits on another in a cycle."""
    LedgerHead.objects.select_for_update().get_or_create(pk=1)


@dataclass(frozen=True)
class Movement:
    kind: str
    subject: str  # "invoice:12", "charge:7", …
    amount: Decimal
    data: dict


def append(*, kind: str, subject: str, amount: Decimal, data: dict | None = None) -> LedgerEntry:
    return append_many([Movement(kind, subject, amount, data or {})])[0]


def append_many(movements: list[Movement]) -> list[LedgerEntry]:
    """Chain the movements onto the journal, in order, with one insert."""
    with transaction.atomic():
        # The head row is locked so that concurrent movements chain one after another.
        head, _ = LedgerHead.objects.select_for_update().get_or_create(pk=1)
        previous, n, entries = head.last_hash, head.count, []
        for m in movements:
            data, at = _plain(m.data), timezone.now()
            n += 1
            digest = _digest(n=n, previous=previous, kind=m.kind, subject=m.subject, amount=m.amount, data=data, at=at)
            entries.append(LedgerEntry(kind=m.kind, subject=m.subject, amount=m.amount, data=data, at=at,
                                       previous_hash=previous, hash=digest))  # fmt: skip
            previous = digest
        LedgerEntry.objects.bulk_create(entries)
        LedgerHead.objects.filter(pk=1).update(count=n, last_hash=previous)
    return entries


@dataclass(frozen=True)
class Verdict:
    entries: int
    ok: bool
    first_bad: int | None = None  # id of the first entry that does not check out
    problem: str = ""


def verify() -> Verdict:
    previous, n, last_id = GENESIS, 0, None
    for entry in LedgerEntry.objects.order_by("id").iterator(chunk_size=2000):
        n += 1
        if entry.previous_hash != previous:
            return Verdict(n - 1, False, entry.pk, str(BROKEN_LINK))
        digest = _digest(
            n=n, previous=previous, kind=entry.kind, subject=entry.subject, amount=entry.amount,
            data=entry.data, at=entry.at,
        )  # fmt: skip
        if digest != entry.hash:
            return Verdict(n - 1, False, entry.pk, str(EDITED))
        previous, last_id = entry.hash, entry.pk
    head = LedgerHead.objects.filter(pk=1).first()
    if head and (head.count, head.last_hash) != (n, previous):
        return Verdict(n, False, last_id, str(TRUNCATED))
    return Verdict(n, True)
