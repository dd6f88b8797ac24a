"""The money journal's hash chain names the first entry that was edited, and notices a deleted
entry in the middle or at the end; regulators and platform admins run the check from a page."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from billing import ledger
from billing.models import LedgerEntry
from tests.billing.voucher_world import grant, invoiced, make_world, used

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w():
    """Money moved through the services: a programme, a grant, two charges, an invoice."""
    world = make_world()
    grant(world)
    used(world, days_ago=1)
    used(world, days_ago=2)
    invoiced(world)
    return world


def ids() -> list[int]:
    return list(LedgerEntry.objects.order_by("id").values_list("id", flat=True))


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_untouched_ledger_checks_out(w):
    verdict = ledger.verify()
    assert verdict.ok and verdict.entries == len(ids()) >= 6
    call_command("verify_ledger")


def test_an_edited_amount_names_its_entry(w, client):
    edited = ids()[2]
    sql("UPDATE billing_ledgerentry SET amount = 1.00 WHERE id = %s", edited)
    verdict = ledger.verify()
    assert (verdict.ok, verdict.first_bad, verdict.problem, verdict.entries) == (False, edited, ledger.EDITED, 2)
    with pytest.raises(CommandError, match=f"entry {edited}: its content was edited"):
        call_command("verify_ledger")
    client.force_login(w.regulator)
    page = client.post(reverse("billing:ledger"), **EN).content.decode()
    assert f"Entry {edited} does not check out: its content was edited. 2 entries before it check out." in page
    assert 'data-verdict="broken"' in page


def test_edited_data_is_caught_too(w):
    edited = ids()[-1]
    sql("UPDATE billing_ledgerentry SET subject = 'invoice:999' WHERE id = %s", edited)
    assert ledger.verify().first_bad == edited


def test_a_deleted_entry_in_the_middle_breaks_the_link_of_the_next(w):
    entries = ids()
    sql("DELETE FROM billing_ledgerentry WHERE id = %s", entries[3])
    verdict = ledger.verify()
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, entries[4], ledger.BROKEN_LINK)
    with pytest.raises(CommandError, match=f"entry {entries[4]}"):
        call_command("verify_ledger")


def test_a_deleted_last_entry_no_longer_matches_the_head(w):
    entries = ids()
    sql("DELETE FROM billing_ledgerentry WHERE id = %s", entries[-1])
    verdict = ledger.verify()
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, entries[-2], ledger.TRUNCATED)
    with pytest.raises(CommandError, match=f"entry {entries[-2]}: entries after it were deleted"):
        call_command("verify_ledger")


def test_the_page_runs_the_check_only_on_the_button_and_shows_the_latest_entries(w, client):
    client.force_login(w.admin)
    page = client.get(reverse("billing:ledger"), **EN)
    assert page.status_code == 200 and page.context["verdict"] is None
    latest, kind = page.context["entries"][0]
    assert latest.pk == ids()[-1] and kind == "Invoice issued"
    assert latest.hash[:12] in page.content.decode()
    checked = client.post(reverse("billing:ledger"), **EN)
    assert checked.context["verdict"].ok
    assert f"{len(ids())} entries checked; the chain is intact." in checked.content.decode()


def test_the_page_speaks_chinese_by_default(w, client):
    client.force_login(w.province)
    page = client.post(reverse("billing:ledger")).content.decode()
    assert '<html lang="zh-hans">' in page


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("member", 403), ("outsider", 403), ("student", 403), ("provider_admin", 403),
     ("regulator", 200), ("other_city", 200), ("province", 200), ("admin", 200)],
)  # fmt: skip
def test_regulators_and_platform_admins_run_the_check(w, client, role, status):
    user = w.role(role)
    if user is not None:
        client.force_login(user)
    assert client.get(reverse("billing:ledger")).status_code == status
    assert client.post(reverse("billing:ledger")).status_code == status
